//! Orders' journals in SQLite, one row per entry keyed by order and entry key.

use async_trait::async_trait;
use rusqlite::params;

use super::{from_json, to_json, unavailable, Cached, SqliteDb};
use crate::adapters::cursor::nanos;
use crate::domain::ids::OrderId;
use crate::domain::journal::{JournalEntry, OrderJournal, MAX_JOURNAL_ENTRIES};
use crate::domain::store::StoreError;

/// [`OrderJournal`] on SQLite.
#[derive(Clone)]
pub struct SqliteJournal {
    db: SqliteDb,
}

impl SqliteJournal {
    /// The journal table of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteJournal { db }
    }
}

#[async_trait]
impl OrderJournal for SqliteJournal {
    async fn record(&self, entry: &JournalEntry) -> Result<bool, StoreError> {
        let (order, key, at, body) = (
            entry.order_id.to_string(),
            entry.key(),
            nanos(entry.at),
            to_json(entry)?,
        );
        self.db
            .run(move |connection| {
                let inserted = connection
                    .execute_cached(
                        "INSERT INTO order_journal (order_id, key, at, body) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (order_id, key) DO NOTHING",
                        params![order, key, at, body],
                    )
                    .map_err(unavailable)?;
                Ok(inserted == 1)
            })
            .await
    }

    async fn entries(&self, order: &OrderId) -> Result<Vec<JournalEntry>, StoreError> {
        let order = order.to_string();
        self.db
            .read(move |connection| {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT body FROM order_journal WHERE order_id = ?1
                         ORDER BY at, key LIMIT ?2",
                    )
                    .map_err(unavailable)?;
                let bodies = statement
                    .query_map(params![order, MAX_JOURNAL_ENTRIES as i64], |row| {
                        row.get::<_, String>(0)
                    })
                    .map_err(unavailable)?;
                let mut entries = Vec::new();
                for body in bodies {
                    entries.push(from_json(&body.map_err(unavailable)?)?);
                }
                Ok(entries)
            })
            .await
    }
}
