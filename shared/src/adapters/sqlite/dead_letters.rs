//! The local dead-letter queue: events the local bus gave up on, in SQLite.
//!
//! The table is only the parking place. Its "source queue" is the local event bus, so a
//! redrive here just takes the letter out; [`LocalEventBus`](crate::adapters::local_bus::LocalEventBus)
//! wraps this store and delivers the event again.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

use super::{from_json, to_json, unavailable, Cached, SqliteDb};
use crate::adapters::cursor::{nanos, page_of, Cursor};
use crate::domain::events::{DeadLetter, DeadLetters};
use crate::domain::store::{Page, PageRequest, StoreError};

/// [`DeadLetters`] on SQLite, oldest first.
#[derive(Clone)]
pub struct SqliteDeadLetters {
    db: SqliteDb,
}

impl SqliteDeadLetters {
    /// The dead-letter table of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteDeadLetters { db }
    }
}

/// The listing's name in its cursors.
const LISTING: &str = "dead-letters";

#[async_trait]
impl DeadLetters for SqliteDeadLetters {
    async fn park(&self, letter: &DeadLetter) -> Result<(), StoreError> {
        let (id, consumer) = (letter.id.clone(), letter.consumer.clone());
        let parked_at = nanos(letter.parked_at);
        let body = to_json(letter)?;
        self.db
            .run(move |connection| {
                connection
                    .execute_cached(
                        "INSERT INTO dead_letters (id, consumer, parked_at, body) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (id) DO NOTHING",
                        params![id, consumer, parked_at, body],
                    )
                    .map_err(unavailable)?;
                Ok(())
            })
            .await
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<DeadLetter>, StoreError> {
        let after = Cursor::of_request(page.cursor.as_deref(), LISTING)?;
        let limit = page.bounded_limit();
        let bodies: Vec<String> = self
            .db
            .read(move |connection| {
                let (parked_at, id) =
                    after.map_or((i64::MIN, String::new()), |cursor| (cursor.at, cursor.id));
                let mut statement = connection
                    .prepare_cached(
                        "SELECT body FROM dead_letters WHERE (parked_at, id) > (?1, ?2)
                         ORDER BY parked_at, id LIMIT ?3",
                    )
                    .map_err(unavailable)?;
                let rows = statement
                    .query_map(params![parked_at, id, limit + 1], |row| row.get(0))
                    .map_err(unavailable)?;
                rows.collect::<Result<_, _>>().map_err(unavailable)
            })
            .await?;
        let letters = bodies
            .iter()
            .map(|body| from_json::<DeadLetter>(body))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page_of(letters, limit as usize, |last| {
            Cursor::new(LISTING, nanos(last.parked_at), &last.id)
        }))
    }

    async fn redrive(&self, id: &str) -> Result<Option<DeadLetter>, StoreError> {
        let id = id.to_owned();
        let body: Option<String> = self
            .db
            .run(move |connection| {
                connection
                    .query_row_cached(
                        "DELETE FROM dead_letters WHERE id = ?1 RETURNING body",
                        [&id],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(unavailable)
            })
            .await?;
        body.as_deref().map(from_json).transpose()
    }
}
