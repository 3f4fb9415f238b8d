//! Payments and applied gateway events in DynamoDB; the table design is in the
//! [module docs](super).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::Client;
use time::{Duration, OffsetDateTime};

use super::error::unavailable;
use super::item::{body, number, read_body, text, Item, BODY, PK, VERSION};
use super::transaction::{put, try_transact, Cancelled};
use crate::ids::OrderId;
use crate::payments::Payment;
use crate::ports::{PaymentStore, StoreError};

/// The attribute of a gateway event item naming the order it was applied to.
const ORDER_ID: &str = "order_id";
/// When the gateway event was applied, in epoch seconds.
const RECORDED_AT: &str = "recorded_at";
/// The TTL attribute of gateway event items, in epoch seconds.
const EXPIRES_AT: &str = "expires_at";
/// How long an applied gateway event is remembered. Gateways redeliver a webhook for a
/// few days at most, so a month leaves a wide margin before a redelivery could apply twice.
const GATEWAY_EVENT_RETENTION: Duration = Duration::days(30);
/// Where the gateway event's put sits in the transaction that applies it.
const EVENT_POSITION: usize = 0;

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
    HashMap::from([(PK.to_owned(), text(format!("PAYMENT#{order}")))])
}

fn payment_item(payment: &Payment) -> Result<Item, StoreError> {
    let mut item = payment_key(&payment.order_id);
    item.insert(VERSION.to_owned(), number(payment.version));
    item.insert(BODY.to_owned(), body(payment)?);
    Ok(item)
}

fn gateway_event_item(event_id: &str, order: &OrderId, now: OffsetDateTime) -> Item {
    HashMap::from([
        (PK.to_owned(), text(format!("GATEWAY_EVENT#{event_id}"))),
        (ORDER_ID.to_owned(), text(order.to_string())),
        (RECORDED_AT.to_owned(), number(now.unix_timestamp())),
        (
            EXPIRES_AT.to_owned(),
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
        let previous = (
            ":previous".to_owned(),
            number(payment.version.saturating_sub(1)),
        );
        ("version = :previous", HashMap::from([previous]))
    }
}

#[async_trait]
impl PaymentStore for DynamoPayments {
    async fn payment(&self, order: &OrderId) -> Result<Option<Payment>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(payment_key(order)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        output.item.map(|item| read_body(&item)).transpose()
    }

    async fn save(&self, payment: &Payment) -> Result<(), StoreError> {
        let (condition, values) = save_condition(payment);
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(payment_item(payment)?))
            .condition_expression(condition)
            // DynamoDB refuses an empty map of expression values.
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(_)) => Err(StoreError::Conflict),
                _ => Err(unavailable(error)),
            },
        }
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
}
