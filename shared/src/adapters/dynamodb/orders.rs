//! Orders in DynamoDB; the table design is in the [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;

use super::error::written_or;
use super::item::{
    body, get, number, partition_key, previous_version, read_body, text, Item, BODY, VERSION,
};
use super::transaction::expression_values;
use crate::ids::OrderId;
use crate::orders::Order;
use crate::ports::{OrderStore, StoreError};

/// The partition key of the `by_user` index.
const USER_ID: &str = "user_id";
/// The sort key of the `by_user` index: when the order was placed, in epoch seconds.
const CREATED_AT: &str = "created_at";
/// The order's status, beside the body so that a listing can show it without parsing.
const STATUS: &str = "status";

/// [`OrderStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoOrders {
    client: Client,
    table: String,
}

impl DynamoOrders {
    /// The orders kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoOrders {
            client,
            table: table.into(),
        }
    }

    /// Puts `order` if `condition` holds; `refusal` if it does not.
    async fn put_if(
        &self,
        order: &Order,
        condition: &str,
        values: Item,
        refusal: StoreError,
    ) -> Result<(), StoreError> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(order_item(order)?))
            .condition_expression(condition)
            .set_expression_attribute_values(expression_values(values))
            .send()
            .await;
        written_or(written, refusal)
    }
}

fn order_key(id: &OrderId) -> Item {
    partition_key(format!("ORDER#{id}"))
}

fn order_item(order: &Order) -> Result<Item, StoreError> {
    let mut item = order_key(&order.id);
    item.insert(USER_ID.to_owned(), text(order.user_id.as_str()));
    item.insert(
        CREATED_AT.to_owned(),
        number(order.created_at.unix_timestamp()),
    );
    item.insert(VERSION.to_owned(), number(order.version));
    item.insert(STATUS.to_owned(), text(order.status.to_string()));
    item.insert(BODY.to_owned(), body(order)?);
    Ok(item)
}

#[async_trait]
impl OrderStore for DynamoOrders {
    async fn create(&self, order: &Order) -> Result<(), StoreError> {
        self.put_if(
            order,
            "attribute_not_exists(pk)",
            Item::new(),
            StoreError::AlreadyExists,
        )
        .await
    }

    async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        get(&self.client, &self.table, order_key(id))
            .await?
            .map(|item| read_body(&item))
            .transpose()
    }

    async fn update(&self, order: &Order) -> Result<(), StoreError> {
        self.put_if(
            order,
            "version = :previous",
            previous_version(order.version),
            StoreError::Conflict,
        )
        .await
    }
}
