//! Payments and applied gateway events in SQLite.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Transaction};
use time::OffsetDateTime;

use super::{from_json, to_json, unavailable, SqliteDb};
use crate::ids::OrderId;
use crate::payments::Payment;
use crate::ports::{PaymentStore, StoreError};

/// [`PaymentStore`] on SQLite.
#[derive(Clone)]
pub struct SqlitePayments {
    db: SqliteDb,
}

impl SqlitePayments {
    /// The payment tables of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqlitePayments { db }
    }
}

/// Writes `payment` under the version rule of [`PaymentStore::save`].
fn write(tx: &Transaction<'_>, payment: &Payment) -> Result<(), StoreError> {
    let id = payment.order_id.to_string();
    let body = to_json(payment)?;
    let written = if payment.version == 1 {
        tx.execute(
            "INSERT INTO payments (order_id, version, body) VALUES (?1, ?2, ?3) ON CONFLICT (order_id) DO NOTHING",
            params![id, payment.version, body],
        )
    } else {
        tx.execute(
            "UPDATE payments SET version = ?2, body = ?3 WHERE order_id = ?1 AND version = ?4",
            params![id, payment.version, body, payment.version - 1],
        )
    }
    .map_err(unavailable)?;
    if written == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict)
    }
}

#[async_trait]
impl PaymentStore for SqlitePayments {
    async fn payment(&self, order: &OrderId) -> Result<Option<Payment>, StoreError> {
        let id = order.to_string();
        self.db
            .run(move |connection| {
                connection
                    .query_row(
                        "SELECT body FROM payments WHERE order_id = ?1",
                        [id],
                        |row| row.get::<_, String>(0),
                    )
                    .optional()
                    .map_err(unavailable)?
                    .map(|body| from_json(&body))
                    .transpose()
            })
            .await
    }

    async fn save(&self, payment: &Payment) -> Result<(), StoreError> {
        let payment = payment.clone();
        self.db
            .run(move |connection| {
                let tx = connection.transaction().map_err(unavailable)?;
                write(&tx, &payment)?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn apply_gateway_event(
        &self,
        event_id: &str,
        payment: &Payment,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let payment = payment.clone();
        let event_id = event_id.to_owned();
        self.db
            .run(move |connection| {
                let tx = connection.transaction().map_err(unavailable)?;
                let recorded = tx
                    .execute(
                        "INSERT INTO gateway_events (id, order_id, recorded_at) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO NOTHING",
                        params![event_id, payment.order_id.to_string(), now.unix_timestamp()],
                    )
                    .map_err(unavailable)?;
                if recorded == 0 {
                    return Ok(false);
                }
                write(&tx, &payment)?;
                tx.commit().map_err(unavailable)?;
                Ok(true)
            })
            .await
    }
}
