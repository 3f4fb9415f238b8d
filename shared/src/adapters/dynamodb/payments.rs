//! Payments and applied gateway events in DynamoDB; the table design is in the
//! [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use time::{Duration, OffsetDateTime};

use super::error::written_or;
use super::item::{
    attributes, body, get, number, partition_key, previous_version, read_body, text, Item, BODY,
    EXPIRES_AT, PK, VERSION,
};
use super::query::Listing;
use super::transaction::{expression_values, put, try_transact, Cancelled, Names};
use crate::adapters::cursor::{page_of, Cursor};
use crate::domain::ids::OrderId;
use crate::domain::payments::PaymentStore;
use crate::domain::payments::{Payment, PaymentStatus};
use crate::domain::store::{Page, PageRequest, StoreError};

/// The attribute of a gateway event item naming the order it was applied to.
const ORDER_ID: &str = "order_id";
/// When the gateway event was applied, in epoch seconds.
const RECORDED_AT: &str = "recorded_at";
/// How long an applied gateway event is remembered. Gateways redeliver a webhook for a
/// few days at most, so a month leaves a wide margin before a redelivery could apply twice.
const GATEWAY_EVENT_RETENTION: Duration = Duration::days(30);
/// Where the gateway event's put sits in the transaction that applies it.
const EVENT_POSITION: usize = 0;
/// The payment's status: the partition key of the `by_status` index. Only payment
/// items carry it, so gateway events stay out of the index.
const STATUS: &str = "status";
/// When the payment last changed, in epoch seconds: the sort key of `by_status`.
const UPDATED_AT: &str = "updated_at";
/// The payments in one status by the time they last changed.
const BY_STATUS: &str = "by_status";

/// [`PaymentStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoPayments {
    client: Client,
    table: String,
}

impl DynamoPayments {
    /// The payments and gateway events kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoPayments {
            client,
            table: table.into(),
        }
    }
}

fn payment_key(order: &OrderId) -> Item {
    partition_key(format!("PAYMENT#{order}"))
}

fn payment_item(payment: &Payment) -> Result<Item, StoreError> {
    let mut item = payment_key(&payment.order_id);
    item.insert(VERSION.to_owned(), number(payment.version));
    item.insert(STATUS.to_owned(), text(payment.status.as_str()));
    item.insert(
        UPDATED_AT.to_owned(),
        number(payment.updated_at.unix_timestamp()),
    );
    item.insert(BODY.to_owned(), body(payment)?);
    Ok(item)
}

fn gateway_event_item(event_id: &str, order: &OrderId, now: OffsetDateTime) -> Item {
    attributes([
        (PK, text(format!("GATEWAY_EVENT#{event_id}"))),
        (ORDER_ID, text(order.to_string())),
        (RECORDED_AT, number(now.unix_timestamp())),
        (
            EXPIRES_AT,
            number((now + GATEWAY_EVENT_RETENTION).unix_timestamp()),
        ),
    ])
}

/// The condition and its values under which `payment` may be written, as
/// [`PaymentStore::save`] states it.
fn save_condition(payment: &Payment) -> (&'static str, Item) {
    if payment.version == 1 {
        ("attribute_not_exists(pk)", Item::new())
    } else {
        ("version = :previous", previous_version(payment.version))
    }
}

#[async_trait]
impl PaymentStore for DynamoPayments {
    async fn payment(&self, order: &OrderId) -> Result<Option<Payment>, StoreError> {
        get(&self.client, &self.table, payment_key(order))
            .await?
            .map(|item| read_body(&item))
            .transpose()
    }

    async fn save(&self, payment: &Payment) -> Result<(), StoreError> {
        let (condition, values) = save_condition(payment);
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(payment_item(payment)?))
            .condition_expression(condition)
            .set_expression_attribute_values(expression_values(values))
            .send()
            .await;
        written_or(written, StoreError::Conflict)
    }

    async fn apply_gateway_event(
        &self,
        event_id: &str,
        payment: &Payment,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let (condition, values) = save_condition(payment);
        let writes = vec![
            put(
                &self.table,
                gateway_event_item(event_id, &payment.order_id, now),
                "attribute_not_exists(pk)",
                Item::new(),
            )?,
            put(&self.table, payment_item(payment)?, condition, values)?,
        ];
        match try_transact(&self.client, writes).await {
            Ok(()) => Ok(true),
            // Once the event is recorded, the payment's version no longer matters: the
            // event must not apply again.
            Err(Cancelled::Refused(positions)) if positions.contains(&EVENT_POSITION) => Ok(false),
            Err(Cancelled::Refused(_)) => Err(StoreError::Conflict),
            Err(Cancelled::Failed(error)) => Err(error),
        }
    }

    async fn payments_with_status(
        &self,
        status: PaymentStatus,
        page: &PageRequest,
    ) -> Result<Page<Payment>, StoreError> {
        let listing = format!("status:{}", status.as_str());
        let after = Cursor::of_request(page.cursor.as_deref(), &listing)?;
        let start_key = after
            .map(|cursor| {
                let order = OrderId::parse(&cursor.id).map_err(|_| StoreError::BadCursor)?;
                let mut key = payment_key(&order);
                key.insert(STATUS.to_owned(), text(status.as_str()));
                key.insert(UPDATED_AT.to_owned(), number(cursor.at));
                Ok::<_, StoreError>(key)
            })
            .transpose()?;
        let limit = page.bounded_limit() as usize;
        let items = Listing {
            table: &self.table,
            index: Some(BY_STATUS),
            key_condition: "#status = :status",
            names: Names::from([("#status".to_owned(), STATUS.to_owned())]),
            values: attributes([(":status", text(status.as_str()))]),
            forward: true,
            start_key,
        }
        .read(&self.client, limit + 1)
        .await?;
        let payments = items
            .iter()
            .map(read_body)
            .collect::<Result<Vec<Payment>, _>>()?;
        Ok(page_of(payments, limit, |last| {
            Cursor::new(
                &listing,
                last.updated_at.unix_timestamp(),
                last.order_id.to_string(),
            )
        }))
    }
}
