//! Carts in DynamoDB; the table design is in the [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use time::OffsetDateTime;

use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

use super::item::{
    attributes, body, get, number, partition_key, previous_version, read_body, read_number, Item,
    BODY, EXPIRES_AT, VERSION,
};
use super::transaction::{delete, put, transact};
use super::write_token::{written_once, WriteToken};
use crate::domain::cart::Cart;
use crate::domain::cart::CartStore;
use crate::domain::ids::CartId;
use crate::domain::store::StoreError;

/// [`CartStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoCarts {
    client: Client,
    table: String,
}

impl DynamoCarts {
    /// The carts kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoCarts {
            client,
            table: table.into(),
        }
    }
}

fn cart_key(id: &CartId) -> Item {
    partition_key(id.to_string())
}

fn cart_item(cart: &Cart) -> Result<Item, StoreError> {
    let mut item = cart_key(&cart.id);
    item.insert(VERSION.to_owned(), number(cart.version));
    item.insert(
        EXPIRES_AT.to_owned(),
        number(cart.expires_at.unix_timestamp()),
    );
    item.insert(BODY.to_owned(), body(cart)?);
    Ok(item)
}

/// The condition and its values under which `cart` may be written at `now`, as
/// [`CartStore::save`] states it.
fn save_condition(cart: &Cart, now: OffsetDateTime) -> (&'static str, Item) {
    let now = attributes([(":now", number(now.unix_timestamp()))]);
    if cart.version == 1 {
        ("attribute_not_exists(pk) OR expires_at <= :now", now)
    } else {
        let mut values = previous_version(cart.version);
        values.extend(now);
        ("version = :previous AND expires_at > :now", values)
    }
}

#[async_trait]
impl CartStore for DynamoCarts {
    async fn cart(&self, id: &CartId, now: OffsetDateTime) -> Result<Option<Cart>, StoreError> {
        let Some(item) = get(&self.client, &self.table, cart_key(id)).await? else {
            return Ok(None);
        };
        // DynamoDB deletes expired items only some time after they expire.
        if read_number::<i64>(&item, EXPIRES_AT)? <= now.unix_timestamp() {
            return Ok(None);
        }
        read_body(&item).map(Some)
    }

    async fn save(&self, cart: &Cart, now: OffsetDateTime) -> Result<(), StoreError> {
        let (condition, values) = save_condition(cart, now);
        let token = WriteToken::new();
        let mut item = cart_item(cart)?;
        token.put_on(&mut item);
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        if written_once(written, &token)? {
            Ok(())
        } else {
            Err(StoreError::Conflict)
        }
    }

    async fn save_merged(
        &self,
        user_cart: &Cart,
        guest: &Cart,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (condition, values) = save_condition(user_cart, now);
        let guest_unchanged = attributes([
            (":guest_version", number(guest.version)),
            (":now", number(now.unix_timestamp())),
        ]);
        let writes = vec![
            put(&self.table, cart_item(user_cart)?, condition, values)?,
            delete(
                &self.table,
                cart_key(&guest.id),
                "version = :guest_version AND expires_at > :now",
                guest_unchanged,
            )?,
        ];
        transact(&self.client, writes, |_| StoreError::Conflict).await
    }
}
