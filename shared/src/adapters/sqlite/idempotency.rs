//! Idempotency keys and handled events in SQLite.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};
use time::OffsetDateTime;

use super::{unavailable, Cached, SqliteDb};
use crate::domain::idempotency::{IdempotencyClaim, IdempotencyStore, StoredResponse};
use crate::domain::store::StoreError;

/// [`IdempotencyStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteIdempotency {
    db: SqliteDb,
}

impl SqliteIdempotency {
    /// The idempotency tables of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteIdempotency { db }
    }
}

#[async_trait]
impl IdempotencyStore for SqliteIdempotency {
    async fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<IdempotencyClaim, StoreError> {
        let key = key.to_owned();
        let fingerprint = fingerprint.to_owned();
        let (now, expires_at) = (now.unix_timestamp(), expires_at.unix_timestamp());
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                let claimed = tx
                    .execute_cached(
                        "INSERT INTO idempotency_keys (key, fingerprint, status, body, expires_at) VALUES (?1, ?2, NULL, NULL, ?3)
                         ON CONFLICT (key) DO UPDATE SET fingerprint = excluded.fingerprint, status = NULL, body = NULL,
                             expires_at = excluded.expires_at
                         WHERE idempotency_keys.expires_at <= ?4",
                        params![key, fingerprint, expires_at, now],
                    )
                    .map_err(unavailable)?;
                let claim = if claimed == 1 {
                    IdempotencyClaim::Claimed
                } else {
                    let (stored_fingerprint, status, body): (String, Option<u16>, Option<String>) = tx
                        .query_row_cached(
                            "SELECT fingerprint, status, body FROM idempotency_keys WHERE key = ?1",
                            [&key],
                            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                        )
                        .map_err(unavailable)?;
                    match (stored_fingerprint == fingerprint, status, body) {
                        (false, _, _) => IdempotencyClaim::Mismatch,
                        (true, Some(status), Some(body)) => IdempotencyClaim::Replay(StoredResponse { status, body }),
                        (true, _, _) => IdempotencyClaim::InProgress,
                    }
                };
                tx.commit().map_err(unavailable)?;
                Ok(claim)
            })
            .await
    }

    async fn complete(
        &self,
        key: &str,
        response: &StoredResponse,
        keep_until: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let key = key.to_owned();
        let response = response.clone();
        let keep_until = keep_until.unix_timestamp();
        self.db
            .run(move |connection| {
                connection
                    .execute_cached(
                        "UPDATE idempotency_keys SET status = ?2, body = ?3, expires_at = ?4 WHERE key = ?1",
                        params![key, response.status, response.body, keep_until],
                    )
                    .map_err(unavailable)?;
                Ok(())
            })
            .await
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.db
            .run(move |connection| {
                connection
                    .execute_cached(
                        "DELETE FROM idempotency_keys WHERE key = ?1 AND status IS NULL",
                        [key],
                    )
                    .map_err(unavailable)?;
                Ok(())
            })
            .await
    }

    async fn handled(&self, consumer: &str, event_id: &str) -> Result<bool, StoreError> {
        let (consumer, event_id) = (consumer.to_owned(), event_id.to_owned());
        self.db
            .read(move |connection| {
                let found: Option<i64> = connection
                    .query_row_cached(
                        "SELECT 1 FROM handled_events WHERE consumer = ?1 AND event_id = ?2",
                        [consumer, event_id],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(unavailable)?;
                Ok(found.is_some())
            })
            .await
    }

    async fn record_handled(
        &self,
        consumer: &str,
        event_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (consumer, event_id) = (consumer.to_owned(), event_id.to_owned());
        let expires_at = expires_at.unix_timestamp();
        self.db
            .run(move |connection| {
                connection
                    .execute_cached(
                        "INSERT INTO handled_events (consumer, event_id, expires_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT (consumer, event_id) DO NOTHING",
                        params![consumer, event_id, expires_at],
                    )
                    .map_err(unavailable)?;
                Ok(())
            })
            .await
    }
}
