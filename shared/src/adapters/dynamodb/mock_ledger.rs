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
use crate::ids::OrderId;
use crate::money::{Currency, Money};
use crate::payments::mock_gateway::{
    AuthorizeOutcome, MockLedger, MockPayment, NewAuthorization, Stage, Step, StepOutcome,
    StepRecorded,
};
use crate::payments::GatewayEvent;
use crate::ports::StoreError;

/// The reference an authorization key or a step belongs to.
const REFERENCE: &str = "reference";
const ORDER_ID: &str = "order_id";
/// The authorized amount in minor units.
const AMOUNT: &str = "amount";
const CURRENCY: &str = "currency";
const STAGE: &str = "stage";
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
/// Where the step's put sits in the transaction that records it.
const STEP_POSITION: usize = 0;
/// How often an authorization is tried when a concurrent one with the same key was
/// written at the same time but cannot be read yet.
const AUTHORIZE_ATTEMPTS: usize = 3;
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
    ]));
    let mut writes = vec![
        put(table, authorization_item, NEW_ITEM, Item::new())?,
        put(table, payment_item, NEW_ITEM, Item::new())?,
    ];
    if let Some(webhook) = &authorization.webhook {
        let mut webhook_item = key(WEBHOOK_PREFIX, &webhook.id);
        webhook_item.insert(REFERENCE.to_owned(), text(&authorization.reference));
        webhook_item.insert(BODY.to_owned(), body(webhook)?);
        writes.push(put(table, webhook_item, NEW_ITEM, Item::new())?);
    }
    Ok(writes)
}

fn read_payment(item: &Item) -> Result<MockPayment, StoreError> {
    let corrupt = |name: &str, problem: String| {
        StoreError::Corrupt(format!("mock payment {name}: {problem}"))
    };
    let order_id = OrderId::parse(read_text(item, ORDER_ID)?)
        .map_err(|error| corrupt(ORDER_ID, error.to_string()))?;
    let currency: Currency = read_text(item, CURRENCY)?
        .parse()
        .map_err(|error: crate::money::CurrencyError| corrupt(CURRENCY, error.to_string()))?;
    let stage_name = read_text(item, STAGE)?;
    let stage = Stage::parse(stage_name)
        .ok_or_else(|| corrupt(STAGE, format!("{stage_name:?} is no stage")))?;
    Ok(MockPayment {
        order_id,
        amount: Money::new(read_number(item, AMOUNT)?, currency),
        stage,
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

/// The write that holds the payment where the step leaves it: moves its stage, or only
/// checks it when the step leaves it where it is.
fn payment_write(table: &str, step: &Step) -> Result<TransactWriteItem, StoreError> {
    let names = Names::from([("#stage".to_owned(), STAGE.to_owned())]);
    let from = (":from", text(step.from.as_str()));
    let condition = "#stage = :from";
    if step.from != step.to {
        return update(
            table,
            payment_key(&step.reference),
            "SET #stage = :to",
            condition,
            names,
            attributes([from, (":to", text(step.to.as_str()))]),
        );
    }
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(payment_key(&step.reference)))
        .condition_expression(condition)
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(attributes([from])))
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
        for _ in 0..AUTHORIZE_ATTEMPTS {
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
            if let Some(first) = self.reference(&authorization.idempotency_key).await? {
                return Ok(AuthorizeOutcome::Known(first));
            }
        }
        Err(StoreError::Conflict)
    }

    async fn payment(&self, reference: &str) -> Result<Option<MockPayment>, StoreError> {
        get(&self.client, &self.table, payment_key(reference))
            .await?
            .map(|item| read_payment(&item))
            .transpose()
    }

    async fn record_step(&self, step: &Step) -> Result<StepRecorded, StoreError> {
        let writes = vec![
            put(&self.table, step_item(step), NEW_ITEM, Item::new())?,
            payment_write(&self.table, step)?,
        ];
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
    use crate::payments::GatewayEventKind;

    fn webhook() -> GatewayEvent {
        GatewayEvent {
            id: "evt_1".into(),
            kind: GatewayEventKind::Authorized,
            order_id: OrderId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").unwrap(),
            reference: "pay_1".into(),
            amount: Money::new(1_000, Currency::USD),
            reason: None,
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
            payment: MockPayment {
                order_id: webhook().order_id,
                amount: Money::new(1_000, Currency::USD),
                stage: Stage::Authorized,
            },
            webhook: Some(webhook()),
        };
        let writes = authorization_writes("ledger", &authorization).unwrap();
        assert_eq!(writes.len(), 3);
        let payment_item = writes[1].put().unwrap().item().clone();
        assert_eq!(read_payment(&payment_item), Ok(authorization.payment));
        for outcome in [StepOutcome::Performed, StepOutcome::Refused("no".into())] {
            let step = Step {
                key: "order:capture".into(),
                reference: "pay_1".into(),
                from: Stage::Authorized,
                to: Stage::Authorized,
                outcome: outcome.clone(),
            };
            assert_eq!(read_outcome(&step_item(&step)), Ok(outcome));
        }
    }
}
