//! The mock gateway's ledger in SQLite: the local shop's, kept with its data so that a
//! shop restarted after a crash still knows the payments its gateway made, and still
//! sends the webhooks it promised. Each webhook is written in the same transaction as
//! the authorization or refund it answers, and stays due until its delivery is
//! acknowledged ([`DeliveryReceipts`]).

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::{from_json, to_json, unavailable, Cached, SqliteDb};
use crate::adapters::mock_gateway::{
    AuthorizeOutcome, DeliveryReceipts, MockLedger, MockPayment, NewAuthorization, Stage, Step,
    StepOutcome, StepRecorded,
};
use crate::domain::ids::OrderId;
use crate::domain::payments::GatewayEvent;
use crate::domain::store::StoreError;

/// How a refused step's outcome is stored: this prefix, then the reason.
const REFUSED: &str = "REFUSED:";
/// How a performed step's outcome is stored.
const PERFORMED: &str = "PERFORMED";

/// [`MockLedger`] on SQLite, with the webhooks still to deliver.
#[derive(Clone)]
pub struct SqliteMockLedger {
    db: SqliteDb,
}

impl SqliteMockLedger {
    /// The mock gateway's tables of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteMockLedger { db }
    }

    /// Up to `limit` webhooks not yet delivered, oldest first.
    pub async fn due_webhooks(&self, limit: u32) -> Result<Vec<GatewayEvent>, StoreError> {
        self.db
            .read(move |connection| {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT body FROM mock_webhooks WHERE delivered = 0 ORDER BY seq LIMIT ?1",
                    )
                    .map_err(unavailable)?;
                let bodies = statement
                    .query_map(params![limit], |row| row.get::<_, String>(0))
                    .map_err(unavailable)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(unavailable)?;
                bodies.iter().map(|body| from_json(body)).collect()
            })
            .await
    }

    /// Notes the webhook `event_id` as delivered.
    pub async fn mark_delivered(&self, event_id: &str) -> Result<(), StoreError> {
        let event_id = event_id.to_owned();
        self.db
            .run(move |connection| {
                connection
                    .execute_cached(
                        "UPDATE mock_webhooks SET delivered = 1 WHERE event_id = ?1",
                        params![event_id],
                    )
                    .map_err(unavailable)?;
                Ok(())
            })
            .await
    }
}

fn read_payment(
    connection: &Connection,
    reference: &str,
) -> Result<Option<MockPayment>, StoreError> {
    connection
        .prepare_cached(
            "SELECT order_id, amount, stage, captured, refunded FROM mock_payments
             WHERE reference = ?1",
        )
        .map_err(unavailable)?
        .query_row(params![reference], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })
        .optional()
        .map_err(unavailable)?
        .map(|(order_id, amount, stage, captured, refunded)| {
            Ok(MockPayment {
                order_id: OrderId::parse(&order_id)
                    .map_err(|error| StoreError::Corrupt(error.to_string()))?,
                amount: from_json(&amount)?,
                stage: Stage::parse(&stage)
                    .ok_or_else(|| StoreError::Corrupt(format!("no stage {stage}")))?,
                captured,
                refunded,
            })
        })
        .transpose()
}

fn write_payment(
    connection: &Connection,
    reference: &str,
    payment: &MockPayment,
) -> Result<(), StoreError> {
    connection
        .execute_cached(
            "INSERT INTO mock_payments (reference, order_id, amount, stage, captured, refunded)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (reference) DO UPDATE SET stage = ?4, captured = ?5, refunded = ?6",
            params![
                reference,
                payment.order_id.to_string(),
                to_json(&payment.amount)?,
                payment.stage.as_str(),
                payment.captured,
                payment.refunded
            ],
        )
        .map_err(unavailable)?;
    Ok(())
}

fn write_webhook(
    connection: &Connection,
    webhook: Option<&GatewayEvent>,
) -> Result<(), StoreError> {
    if let Some(webhook) = webhook {
        connection
            .execute_cached(
                "INSERT INTO mock_webhooks (event_id, body, delivered) VALUES (?1, ?2, 0)
                 ON CONFLICT (event_id) DO NOTHING",
                params![webhook.id, to_json(webhook)?],
            )
            .map_err(unavailable)?;
    }
    Ok(())
}

/// The one text column `sql` selects for `key`, if a row has it.
fn text_by_key(
    connection: &Connection,
    sql: &str,
    key: &str,
) -> Result<Option<String>, StoreError> {
    connection
        .prepare_cached(sql)
        .map_err(unavailable)?
        .query_row(params![key], |row| row.get(0))
        .optional()
        .map_err(unavailable)
}

fn stored_outcome(outcome: &StepOutcome) -> String {
    match outcome {
        StepOutcome::Performed => PERFORMED.to_owned(),
        StepOutcome::Refused(reason) => format!("{REFUSED}{reason}"),
    }
}

fn read_outcome(stored: &str) -> StepOutcome {
    match stored.strip_prefix(REFUSED) {
        Some(reason) => StepOutcome::Refused(reason.to_owned()),
        None => StepOutcome::Performed,
    }
}

#[async_trait]
impl MockLedger for SqliteMockLedger {
    async fn reference(&self, idempotency_key: &str) -> Result<Option<String>, StoreError> {
        let key = idempotency_key.to_owned();
        self.db
            .read(move |connection| {
                text_by_key(
                    connection,
                    "SELECT reference FROM mock_references WHERE key = ?1",
                    &key,
                )
            })
            .await
    }

    async fn authorize(
        &self,
        authorization: &NewAuthorization,
    ) -> Result<AuthorizeOutcome, StoreError> {
        let authorization = authorization.clone();
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                let known = text_by_key(
                    &tx,
                    "SELECT reference FROM mock_references WHERE key = ?1",
                    &authorization.idempotency_key,
                )?;
                if let Some(reference) = known {
                    return Ok(AuthorizeOutcome::Known(reference));
                }
                tx.execute_cached(
                    "INSERT INTO mock_references (key, reference) VALUES (?1, ?2)",
                    params![authorization.idempotency_key, authorization.reference],
                )
                .map_err(unavailable)?;
                write_payment(&tx, &authorization.reference, &authorization.payment)?;
                write_webhook(&tx, authorization.webhook.as_ref())?;
                tx.commit().map_err(unavailable)?;
                Ok(AuthorizeOutcome::Recorded)
            })
            .await
    }

    async fn payment(&self, reference: &str) -> Result<Option<MockPayment>, StoreError> {
        let reference = reference.to_owned();
        self.db
            .read(move |connection| read_payment(connection, &reference))
            .await
    }

    async fn record_step(&self, step: &Step) -> Result<StepRecorded, StoreError> {
        let step = step.clone();
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                let earlier = text_by_key(
                    &tx,
                    "SELECT outcome FROM mock_steps WHERE key = ?1",
                    &step.key,
                )?;
                if let Some(earlier) = earlier {
                    return Ok(StepRecorded::Earlier(read_outcome(&earlier)));
                }
                if read_payment(&tx, &step.reference)?.as_ref() != Some(&step.from) {
                    return Ok(StepRecorded::Stale);
                }
                write_payment(&tx, &step.reference, &step.to)?;
                tx.execute_cached(
                    "INSERT INTO mock_steps (key, outcome) VALUES (?1, ?2)",
                    params![step.key, stored_outcome(&step.outcome)],
                )
                .map_err(unavailable)?;
                write_webhook(&tx, step.webhook.as_ref())?;
                tx.commit().map_err(unavailable)?;
                Ok(StepRecorded::Recorded)
            })
            .await
    }
}

#[async_trait]
impl DeliveryReceipts for SqliteMockLedger {
    async fn delivered(&self, event_id: &str) {
        if let Err(error) = self.mark_delivered(event_id).await {
            // Still due: sent again after a restart, and dropped there as a duplicate.
            tracing::warn!(%error, %event_id, "cannot note a webhook as delivered");
        }
    }
}
