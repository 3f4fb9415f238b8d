//! The mock payment gateway's ledger in DynamoDB, for the gateway deployed as a Lambda;
//! the table design is in the [module docs](super).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use aws_sdk_dynamodb::Client;

use super::error::invalid_request;
use super::item::{
    attributes, body, get, number, partition_key, read_body, read_number, read_text, text, Item,
    BODY, PK,
};
use super::transaction::{put, try_transact, update, Cancelled, Names};
use crate::adapters::mock_gateway::{
    AuthorizeOutcome, MockLedger, MockPayment, NewAuthorization, Stage, Step, StepOutcome,
    StepRecorded,
};
use crate::domain::ids::OrderId;
use crate::domain::money::{Currency, Money};
use crate::domain::payments::GatewayEvent;
use crate::domain::store::{retry_on_conflict, StoreError};

/// The reference an authorization key or a step belongs to.
const REFERENCE: &str = "reference";
const ORDER_ID: &str = "order_id";
/// The authorized amount in minor units.
const AMOUNT: &str = "amount";
const CURRENCY: &str = "currency";
const STAGE: &str = "stage";
/// Minor units captured; absent on payments recorded before partial refunds existed.
const CAPTURED: &str = "captured";
/// Minor units refunded so far; absent like [`CAPTURED`].
const REFUNDED: &str = "refunded";
/// How a step ended: [`PERFORMED`] or [`REFUSED`].
const OUTCOME: &str = "outcome";
/// Why a step was refused.
const REASON: &str = "reason";
const PERFORMED: &str = "PERFORMED";
const REFUSED: &str = "REFUSED";
/// The key prefix of webhook items, the ones the table's stream delivers.
const WEBHOOK_PREFIX: &str = "WEBHOOK#";
/// Where the authorization's put sits in the transaction that records it.
const AUTHORIZATION_POSITION: usize = 0;
/// Where the step's put sits in the transaction that records it; the payment's write
/// follows, then the step's webhook if it has one.
const STEP_POSITION: usize = 0;
/// The condition of every put that creates an item.
const NEW_ITEM: &str = "attribute_not_exists(pk)";

/// [`MockLedger`] on a DynamoDB table. Every change is one transaction, so that any
/// number of concurrent Lambda invocations keep it consistent.
#[derive(Clone)]
pub struct DynamoMockLedger {
    client: Client,
    table: String,
}

fn key(prefix: &str, id: &str) -> Item {
    partition_key(format!("{prefix}{id}"))
}

fn authorization_key(idempotency_key: &str) -> Item {
    key("AUTH#", idempotency_key)
}

fn payment_key(reference: &str) -> Item {
    key("PAYMENT#", reference)
}

fn step_key(idempotency_key: &str) -> Item {
    key("STEP#", idempotency_key)
}

fn authorization_writes(
    table: &str,
    authorization: &NewAuthorization,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut authorization_item = authorization_key(&authorization.idempotency_key);
    authorization_item.insert(REFERENCE.to_owned(), text(&authorization.reference));
    let payment = &authorization.payment;
    let mut payment_item = payment_key(&authorization.reference);
    payment_item.extend(attributes([
        (ORDER_ID, text(payment.order_id.to_string())),
        (AMOUNT, number(payment.amount.amount)),
        (CURRENCY, text(payment.amount.currency.as_str())),
        (STAGE, text(payment.stage.as_str())),
        (CAPTURED, number(payment.captured)),
        (REFUNDED, number(payment.refunded)),
    ]));
    let mut writes = vec![
        put(table, authorization_item, NEW_ITEM, Item::new())?,
        put(table, payment_item, NEW_ITEM, Item::new())?,
    ];
    if let Some(webhook) = &authorization.webhook {
        writes.push(webhook_write(table, &authorization.reference, webhook)?);
    }
    Ok(writes)
}

/// The put of a webhook item, which the table's stream hands to the webhook function.
fn webhook_write(
    table: &str,
    reference: &str,
    webhook: &GatewayEvent,
) -> Result<TransactWriteItem, StoreError> {
    let mut webhook_item = key(WEBHOOK_PREFIX, &webhook.id);
    webhook_item.insert(REFERENCE.to_owned(), text(reference));
    webhook_item.insert(BODY.to_owned(), body(webhook)?);
    put(table, webhook_item, NEW_ITEM, Item::new())
}

/// A counter of a payment item, or `missing` on an item written before it existed.
fn read_counter(item: &Item, name: &str, missing: i64) -> Result<i64, StoreError> {
    if item.contains_key(name) {
        read_number(item, name)
    } else {
        Ok(missing)
    }
}

fn read_payment(item: &Item) -> Result<MockPayment, StoreError> {
    let corrupt = |name: &str, problem: String| {
        StoreError::Corrupt(format!("mock payment {name}: {problem}"))
    };
    let order_id = OrderId::parse(read_text(item, ORDER_ID)?)
        .map_err(|error| corrupt(ORDER_ID, error.to_string()))?;
    let currency: Currency = read_text(item, CURRENCY)?.parse().map_err(
        |error: crate::domain::money::CurrencyError| corrupt(CURRENCY, error.to_string()),
    )?;
    let stage_name = read_text(item, STAGE)?;
    let stage = Stage::parse(stage_name)
        .ok_or_else(|| corrupt(STAGE, format!("{stage_name:?} is no stage")))?;
    let amount = Money::new(read_number(item, AMOUNT)?, currency);
    // Items written before partial refunds existed captured and refunded in full.
    let captured_in_full = matches!(stage, Stage::Captured | Stage::Refunded);
    let captured = read_counter(
        item,
        CAPTURED,
        if captured_in_full { amount.amount } else { 0 },
    )?;
    let refunded = read_counter(
        item,
        REFUNDED,
        if stage == Stage::Refunded {
            captured
        } else {
            0
        },
    )?;
    Ok(MockPayment {
        order_id,
        amount,
        stage,
        captured,
        refunded,
    })
}

fn read_outcome(item: &Item) -> Result<StepOutcome, StoreError> {
    match read_text(item, OUTCOME)? {
        PERFORMED => Ok(StepOutcome::Performed),
        REFUSED => Ok(StepOutcome::Refused(read_text(item, REASON)?.to_owned())),
        other => Err(StoreError::Corrupt(format!(
            "mock step {OUTCOME}: {other:?} is no outcome"
        ))),
    }
}

fn step_item(step: &Step) -> Item {
    let mut item = step_key(&step.key);
    item.insert(REFERENCE.to_owned(), text(&step.reference));
    match &step.outcome {
        StepOutcome::Performed => {
            item.insert(OUTCOME.to_owned(), text(PERFORMED));
        }
        StepOutcome::Refused(reason) => {
            item.insert(OUTCOME.to_owned(), text(REFUSED));
            item.insert(REASON.to_owned(), text(reason));
        }
    }
    item
}

/// The condition that the payment is still as the step found it: its stage and its
/// counters (which items written before the counters existed lack).
const AS_FOUND: &str = "#stage = :from \
     AND (#captured = :from_captured OR attribute_not_exists(#captured)) \
     AND (#refunded = :from_refunded OR attribute_not_exists(#refunded))";

/// The write that holds the payment where the step leaves it: moves its stage and
/// counters, or only checks them when the step leaves it as it is.
fn payment_write(table: &str, step: &Step) -> Result<TransactWriteItem, StoreError> {
    let names = Names::from([
        ("#stage".to_owned(), STAGE.to_owned()),
        ("#captured".to_owned(), CAPTURED.to_owned()),
        ("#refunded".to_owned(), REFUNDED.to_owned()),
    ]);
    let mut values = attributes([
        (":from", text(step.from.stage.as_str())),
        (":from_captured", number(step.from.captured)),
        (":from_refunded", number(step.from.refunded)),
    ]);
    if step.from != step.to {
        values.extend(attributes([
            (":to", text(step.to.stage.as_str())),
            (":to_captured", number(step.to.captured)),
            (":to_refunded", number(step.to.refunded)),
        ]));
        return update(
            table,
            payment_key(&step.reference),
            "SET #stage = :to, #captured = :to_captured, #refunded = :to_refunded",
            AS_FOUND,
            names,
            values,
        );
    }
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(payment_key(&step.reference)))
        .condition_expression(AS_FOUND)
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(invalid_request)?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

impl DynamoMockLedger {
    /// The ledger kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoMockLedger {
            client,
            table: table.into(),
        }
    }

    /// The webhook that a new item of the table asks to send, given the item as a stream
    /// record's new image shows it: `Some` for a webhook item, `None` for any other.
    pub fn webhook_in(
        item: &HashMap<String, AttributeValue>,
    ) -> Result<Option<GatewayEvent>, StoreError> {
        if !read_text(item, PK)?.starts_with(WEBHOOK_PREFIX) {
            return Ok(None);
        }
        read_body(item).map(Some)
    }
}

#[async_trait]
impl MockLedger for DynamoMockLedger {
    async fn reference(&self, idempotency_key: &str) -> Result<Option<String>, StoreError> {
        get(
            &self.client,
            &self.table,
            authorization_key(idempotency_key),
        )
        .await?
        .map(|item| read_text(&item, REFERENCE).map(str::to_owned))
        .transpose()
    }

    async fn authorize(
        &self,
        authorization: &NewAuthorization,
    ) -> Result<AuthorizeOutcome, StoreError> {
        retry_on_conflict(|| async {
            let writes = authorization_writes(&self.table, authorization)?;
            match try_transact(&self.client, writes).await {
                Ok(()) => return Ok(AuthorizeOutcome::Recorded),
                // The key is taken, or a concurrent call with it was writing: the first
                // reference answers, once it can be read.
                Err(Cancelled::Refused(positions))
                    if positions.contains(&AUTHORIZATION_POSITION) => {}
                Err(Cancelled::Failed(StoreError::Conflict)) => {}
                // Only a reference or event id drawn twice gets here.
                Err(Cancelled::Refused(_)) => return Err(StoreError::AlreadyExists),
                Err(Cancelled::Failed(error)) => return Err(error),
            }
            match self.reference(&authorization.idempotency_key).await? {
                Some(first) => Ok(AuthorizeOutcome::Known(first)),
                None => Err(StoreError::Conflict),
            }
        })
        .await
    }

    async fn payment(&self, reference: &str) -> Result<Option<MockPayment>, StoreError> {
        get(&self.client, &self.table, payment_key(reference))
            .await?
            .map(|item| read_payment(&item))
            .transpose()
    }

    async fn record_step(&self, step: &Step) -> Result<StepRecorded, StoreError> {
        let mut writes = vec![
            put(&self.table, step_item(step), NEW_ITEM, Item::new())?,
            payment_write(&self.table, step)?,
        ];
        if let Some(webhook) = &step.webhook {
            writes.push(webhook_write(&self.table, &step.reference, webhook)?);
        }
        match try_transact(&self.client, writes).await {
            Ok(()) => Ok(StepRecorded::Recorded),
            Err(Cancelled::Refused(positions)) if positions.contains(&STEP_POSITION) => {
                match get(&self.client, &self.table, step_key(&step.key)).await? {
                    Some(item) => Ok(StepRecorded::Earlier(read_outcome(&item)?)),
                    None => Ok(StepRecorded::Stale),
                }
            }
            Err(Cancelled::Refused(_)) | Err(Cancelled::Failed(StoreError::Conflict)) => {
                Ok(StepRecorded::Stale)
            }
            Err(Cancelled::Failed(error)) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payments::GatewayEventKind;

    fn webhook() -> GatewayEvent {
        GatewayEvent {
            id: "evt_1".into(),
            kind: GatewayEventKind::Authorized,
            order_id: OrderId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").unwrap(),
            reference: "pay_1".into(),
            amount: Money::new(1_000, Currency::USD),
            reason: None,
            refund_id: None,
        }
    }

    #[test]
    fn only_webhook_items_carry_a_webhook() {
        let mut item = key(WEBHOOK_PREFIX, "evt_1");
        item.insert(BODY.to_owned(), body(&webhook()).unwrap());
        assert_eq!(DynamoMockLedger::webhook_in(&item), Ok(Some(webhook())));
        let mut payment = payment_key("pay_1");
        payment.insert(BODY.to_owned(), body(&webhook()).unwrap());
        assert_eq!(DynamoMockLedger::webhook_in(&payment), Ok(None));
        item.insert(BODY.to_owned(), text("{}"));
        assert!(matches!(
            DynamoMockLedger::webhook_in(&item),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn payments_and_steps_read_back() {
        let authorization = NewAuthorization {
            idempotency_key: "order:authorize".into(),
            reference: "pay_1".into(),
            payment: MockPayment::new(
                webhook().order_id,
                Money::new(1_000, Currency::USD),
                Stage::Authorized,
            ),
            webhook: Some(webhook()),
        };
        let writes = authorization_writes("ledger", &authorization).unwrap();
        assert_eq!(writes.len(), 3);
        let payment_item = writes[1].put().unwrap().item().clone();
        assert_eq!(
            read_payment(&payment_item),
            Ok(authorization.payment.clone())
        );
        let payment = &authorization.payment;
        for decision in [Ok(payment.clone()), Err("no".to_owned())] {
            let step = Step::decided("order:capture", "pay_1", payment, decision);
            assert_eq!(read_outcome(&step_item(&step)), Ok(step.outcome));
        }
    }

    #[test]
    fn payments_recorded_before_partial_refunds_read_as_captured_in_full() {
        let authorization = NewAuthorization {
            idempotency_key: "order:authorize".into(),
            reference: "pay_1".into(),
            payment: MockPayment::new(
                webhook().order_id,
                Money::new(1_000, Currency::USD),
                Stage::Refunded,
            ),
            webhook: None,
        };
        let writes = authorization_writes("ledger", &authorization).unwrap();
        let mut item = writes[1].put().unwrap().item().clone();
        item.remove(CAPTURED);
        item.remove(REFUNDED);
        let payment = read_payment(&item).unwrap();
        assert_eq!((payment.captured, payment.refunded), (1_000, 1_000));
        item.insert(STAGE.to_owned(), text(Stage::Authorized.as_str()));
        let payment = read_payment(&item).unwrap();
        assert_eq!((payment.captured, payment.refunded), (0, 0));
    }
}
