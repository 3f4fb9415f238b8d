//! Orders in DynamoDB; the table design is in the [module docs](super).

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;

use super::error::written_or;
use super::item::{
    attributes, body, get, number, partition_key, previous_version, read_body, text, Item, BODY,
    VERSION,
};
use super::query::Listing;
use super::transaction::{expression_values, Names};
use crate::adapters::cursor::{page_of, Cursor};
use crate::domain::ids::{OrderId, UserId};
use crate::domain::orders::OrderStore;
use crate::domain::orders::{Order, OrderStatus};
use crate::domain::store::{Page, PageRequest, StoreError};

/// The partition key of the `by_user` index.
const USER_ID: &str = "user_id";
/// The sort key of the `by_user` and `by_status` indexes: when the order was placed, in
/// epoch seconds.
const CREATED_AT: &str = "created_at";
/// The order's status: the partition key of the `by_status` index.
const STATUS: &str = "status";
/// A user's orders by age.
const BY_USER: &str = "by_user";
/// The orders in one status by age.
const BY_STATUS: &str = "by_status";

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

    /// One page of the orders whose index `partition` attribute is `value` in `index`,
    /// by age (`forward`: oldest first), after the request's cursor of `listing`.
    async fn page(
        &self,
        index: &str,
        partition: &str,
        value: &str,
        forward: bool,
        listing: &str,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        let after = Cursor::of_request(page.cursor.as_deref(), listing)?;
        let start_key = after
            .map(|cursor| {
                let order = OrderId::parse(&cursor.id).map_err(|_| StoreError::BadCursor)?;
                let mut key = order_key(&order);
                key.insert(partition.to_owned(), text(value));
                key.insert(CREATED_AT.to_owned(), number(cursor.at));
                Ok::<_, StoreError>(key)
            })
            .transpose()?;
        let limit = page.bounded_limit() as usize;
        let items = Listing {
            table: &self.table,
            index: Some(index),
            key_condition: "#partition = :value",
            names: Names::from([("#partition".to_owned(), partition.to_owned())]),
            values: attributes([(":value", text(value))]),
            forward,
            start_key,
        }
        .read(&self.client, limit + 1)
        .await?;
        let orders = items
            .iter()
            .map(read_body)
            .collect::<Result<Vec<Order>, _>>()?;
        Ok(page_of(orders, limit, |last| {
            Cursor::new(
                listing,
                last.created_at.unix_timestamp(),
                last.id.to_string(),
            )
        }))
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

    async fn orders_for_user(
        &self,
        user: &UserId,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        let listing = format!("user:{}", user.as_str());
        self.page(BY_USER, USER_ID, user.as_str(), false, &listing, page)
            .await
    }

    async fn orders_with_status(
        &self,
        status: OrderStatus,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        let listing = format!("status:{status}");
        self.page(BY_STATUS, STATUS, &status.to_string(), true, &listing, page)
            .await
    }
}
