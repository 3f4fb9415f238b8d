//! Coupons in DynamoDB; the table design is in the [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use aws_sdk_dynamodb::Client;
use time::OffsetDateTime;

use super::error::{written_or, written_output};
use super::item::{
    attributes, body, composite_key, get, number, read_body, read_number, read_text, text, Item,
    BODY,
};
use super::transaction::{put, try_transact, update, Cancelled, Names};
use crate::domain::coupons::{
    Coupon, CouponRecord, CouponRefused, CouponStore, Redemption, Release,
};
use crate::domain::ids::{CouponCode, OrderId, UserId};
use crate::domain::store::StoreError;

/// The coupon item's sort key.
const COUPON: &str = "COUPON";
/// 1 while the coupon may be redeemed, 0 once deactivated.
const ACTIVE: &str = "is_active";
/// Redemptions not given back: of the coupon on its item, of one shopper on theirs.
const REDEMPTIONS: &str = "redeemed_count";
/// On a redemption item: 1 once given back.
const RELEASED: &str = "given_back";
/// On a redemption item: the shopper whose order redeemed it.
const USER_ID: &str = "user_id";

/// [`CouponStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoCoupons {
    client: Client,
    table: String,
}

impl DynamoCoupons {
    /// The coupons kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoCoupons {
            client,
            table: table.into(),
        }
    }

    async fn record(&self, code: &CouponCode) -> Result<Option<CouponRecord>, StoreError> {
        get(&self.client, &self.table, coupon_key(code))
            .await?
            .map(|item| record_of(&item))
            .transpose()
    }

    /// Why the coupon's own condition refused a redemption, read after the fact.
    async fn coupon_refusal(&self, code: &CouponCode) -> Result<CouponRefused, StoreError> {
        Ok(match self.record(code).await? {
            None => CouponRefused::Unknown,
            Some(record) if !record.coupon.active => CouponRefused::Inactive,
            Some(_) => CouponRefused::Exhausted,
        })
    }
}

/// The coupon and its count of a coupon item.
fn record_of(item: &Item) -> Result<CouponRecord, StoreError> {
    Ok(CouponRecord {
        coupon: read_body(item)?,
        redemptions: read_number(item, REDEMPTIONS)?,
    })
}

fn partition(code: &CouponCode) -> String {
    format!("COUPON#{code}")
}

fn coupon_key(code: &CouponCode) -> Item {
    composite_key(partition(code), COUPON)
}

fn customer_key(code: &CouponCode, user: &UserId) -> Item {
    composite_key(partition(code), &format!("USER#{user}"))
}

fn redemption_key(code: &CouponCode, order: &OrderId) -> Item {
    composite_key(partition(code), &format!("ORDER#{order}"))
}

#[async_trait]
impl CouponStore for DynamoCoupons {
    async fn create(&self, coupon: &Coupon) -> Result<(), StoreError> {
        let mut item = coupon_key(&coupon.code);
        item.insert(BODY.to_owned(), body(coupon)?);
        item.insert(ACTIVE.to_owned(), number(u8::from(coupon.active)));
        item.insert(REDEMPTIONS.to_owned(), number(0));
        let outcome = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        written_or(outcome, StoreError::AlreadyExists)
    }

    async fn coupon(&self, code: &CouponCode) -> Result<Option<CouponRecord>, StoreError> {
        self.record(code).await
    }

    async fn set_active(
        &self,
        code: &CouponCode,
        active: bool,
        now: OffsetDateTime,
    ) -> Result<Option<CouponRecord>, StoreError> {
        let Some(record) = self.record(code).await? else {
            return Ok(None);
        };
        let coupon = Coupon {
            active,
            updated_at: now,
            ..record.coupon
        };
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(coupon_key(code)))
            .update_expression("SET body = :body, is_active = :active")
            .condition_expression("attribute_exists(pk)")
            .set_expression_attribute_values(Some(attributes([
                (":body", body(&coupon)?),
                (":active", number(u8::from(active))),
            ])))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        written_output(updated)?
            .and_then(|output| output.attributes)
            .map(|item| record_of(&item))
            .transpose()
    }

    async fn redeem(
        &self,
        coupon: &Coupon,
        user: &UserId,
        order: &OrderId,
    ) -> Result<Redemption, StoreError> {
        let code = &coupon.code;
        // Without a limit, the largest count a coupon can reach stands in for one.
        let max = coupon.max_redemptions.unwrap_or(u32::MAX);
        let limit = coupon.per_customer_limit.unwrap_or(u32::MAX);
        let coupon_values = attributes([(":one", number(1)), (":max", number(max))]);
        let customer_values = attributes([(":one", number(1)), (":limit", number(limit))]);
        let mut redemption = redemption_key(code, order);
        redemption.insert(USER_ID.to_owned(), text(user.to_string()));
        redemption.insert(RELEASED.to_owned(), number(0));
        let writes = vec![
            put(
                &self.table,
                redemption,
                "attribute_not_exists(pk)",
                Item::new(),
            )?,
            update(
                &self.table,
                coupon_key(code),
                "ADD redeemed_count :one",
                "is_active = :one AND redeemed_count < :max",
                Names::new(),
                coupon_values,
            )?,
            update(
                &self.table,
                customer_key(code, user),
                "ADD redeemed_count :one",
                "attribute_not_exists(redeemed_count) OR redeemed_count < :limit",
                Names::new(),
                customer_values,
            )?,
        ];
        match try_transact(&self.client, writes).await {
            Ok(()) => Ok(Redemption::Redeemed),
            Err(Cancelled::Refused(positions)) => match positions.first() {
                Some(0) => Ok(Redemption::AlreadyRedeemed),
                Some(1) => Ok(Redemption::Refused(self.coupon_refusal(code).await?)),
                _ => Ok(Redemption::Refused(CouponRefused::CustomerLimitReached)),
            },
            Err(Cancelled::Failed(error)) => Err(error),
        }
    }

    async fn release(&self, code: &CouponCode, order: &OrderId) -> Result<Release, StoreError> {
        let Some(redemption) = get(&self.client, &self.table, redemption_key(code, order)).await?
        else {
            return Ok(Release::NotRedeemed);
        };
        if read_number::<u8>(&redemption, RELEASED)? == 1 {
            return Ok(Release::AlreadyReleased);
        }
        let user = UserId::parse(read_text(&redemption, USER_ID)?)
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        let minus_one = attributes([(":minus_one", number(-1))]);
        let writes = vec![
            update(
                &self.table,
                redemption_key(code, order),
                "SET given_back = :one",
                "given_back = :zero",
                Names::new(),
                attributes([(":one", number(1)), (":zero", number(0))]),
            )?,
            update(
                &self.table,
                coupon_key(code),
                "ADD redeemed_count :minus_one",
                "attribute_exists(pk)",
                Names::new(),
                minus_one.clone(),
            )?,
            update(
                &self.table,
                customer_key(code, &user),
                "ADD redeemed_count :minus_one",
                "attribute_exists(pk)",
                Names::new(),
                minus_one,
            )?,
        ];
        match try_transact(&self.client, writes).await {
            Ok(()) => Ok(Release::Released),
            Err(Cancelled::Refused(positions)) if positions.first() == Some(&0) => {
                Ok(Release::AlreadyReleased)
            }
            Err(Cancelled::Refused(_)) => Err(StoreError::Corrupt(format!(
                "the counters of coupon {code} are missing"
            ))),
            Err(Cancelled::Failed(error)) => Err(error),
        }
    }
}
