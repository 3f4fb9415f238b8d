//! Payments and applied gateway events in SQLite.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;

use super::{from_json, to_json, unavailable, Cached, SqliteDb};
use crate::adapters::cursor::{page_of, Cursor};
use crate::domain::ids::OrderId;
use crate::domain::payments::PaymentStore;
use crate::domain::payments::{Payment, PaymentStatus};
use crate::domain::store::{Page, PageRequest, StoreError};

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
fn write(tx: &Connection, payment: &Payment) -> Result<(), StoreError> {
    let id = payment.order_id.to_string();
    let body = to_json(payment)?;
    let status = payment.status.as_str();
    let updated_at = payment.updated_at.unix_timestamp();
    let written = if payment.version == 1 {
        tx.execute_cached(
            "INSERT INTO payments (order_id, version, body, status, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (order_id) DO NOTHING",
            params![id, payment.version, body, status, updated_at],
        )
    } else {
        tx.execute_cached(
            "UPDATE payments SET version = ?2, body = ?3, status = ?5, updated_at = ?6
             WHERE order_id = ?1 AND version = ?4",
            params![
                id,
                payment.version,
                body,
                payment.version - 1,
                status,
                updated_at
            ],
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
            .read(move |connection| {
                connection
                    .query_row_cached(
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
                let tx = connection.savepoint().map_err(unavailable)?;
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
                let tx = connection.savepoint().map_err(unavailable)?;
                let recorded = tx
                    .execute_cached(
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

    async fn payments_with_status(
        &self,
        status: PaymentStatus,
        page: &PageRequest,
    ) -> Result<Page<Payment>, StoreError> {
        let listing = format!("status:{}", status.as_str());
        let after = Cursor::of_request(page.cursor.as_deref(), &listing)?;
        let (at, id) = after.map_or((None, None), |cursor| (Some(cursor.at), Some(cursor.id)));
        let limit = page.bounded_limit() as usize;
        self.db
            .read(move |connection| {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT body FROM payments WHERE status = ?1
                             AND (?2 IS NULL OR (updated_at, order_id) > (?2, ?3))
                         ORDER BY updated_at, order_id LIMIT ?4",
                    )
                    .map_err(unavailable)?;
                let bodies = statement
                    .query_map(params![status.as_str(), at, id, limit as i64 + 1], |row| {
                        row.get::<_, String>(0)
                    })
                    .map_err(unavailable)?;
                let mut payments = Vec::new();
                for body in bodies {
                    payments.push(from_json::<Payment>(&body.map_err(unavailable)?)?);
                }
                Ok(page_of(payments, limit, |last: &Payment| {
                    Cursor::new(
                        &listing,
                        last.updated_at.unix_timestamp(),
                        last.order_id.to_string(),
                    )
                }))
            })
            .await
    }
}
