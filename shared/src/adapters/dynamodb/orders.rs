//! Orders in DynamoDB; the table design is in the [module docs](super).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::Client;

use super::error::unavailable;
use super::item::{body, number, read_body, text, Item, BODY, PK, VERSION};
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
        values: Option<Item>,
        refusal: StoreError,
    ) -> Result<(), StoreError> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(order_item(order)?))
            .condition_expression(condition)
            .set_expression_attribute_values(values)
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Err(refusal),
                _ => Err(unavailable(error)),
            },
        }
    }
}

fn order_key(id: &OrderId) -> Item {
    HashMap::from([(PK.to_owned(), text(format!("ORDER#{id}")))])
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
            None,
            StoreError::AlreadyExists,
        )
        .await
    }

    async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(order_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        output.item.map(|item| read_body(&item)).transpose()
    }

    async fn update(&self, order: &Order) -> Result<(), StoreError> {
        let stored_version = HashMap::from([(
            ":previous".to_owned(),
            number(order.version.saturating_sub(1)),
        )]);
        self.put_if(
            order,
            "version = :previous",
            Some(stored_version),
            StoreError::Conflict,
        )
        .await
    }
}
