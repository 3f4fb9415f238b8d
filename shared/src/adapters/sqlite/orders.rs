//! Orders in SQLite.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

use super::{from_json, to_json, unavailable, SqliteDb};
use crate::ids::OrderId;
use crate::orders::Order;
use crate::ports::{OrderStore, StoreError};

/// [`OrderStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteOrders {
    db: SqliteDb,
}

impl SqliteOrders {
    /// The order table of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteOrders { db }
    }
}

#[async_trait]
impl OrderStore for SqliteOrders {
    async fn create(&self, order: &Order) -> Result<(), StoreError> {
        let order = order.clone();
        self.db
            .run(move |connection| {
                let inserted = connection
                    .execute(
                        "INSERT INTO orders (id, user_id, version, created_at, body) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (id) DO NOTHING",
                        params![
                            order.id.to_string(),
                            order.user_id.as_str(),
                            order.version,
                            order.created_at.unix_timestamp(),
                            to_json(&order)?
                        ],
                    )
                    .map_err(unavailable)?;
                if inserted == 1 {
                    Ok(())
                } else {
                    Err(StoreError::AlreadyExists)
                }
            })
            .await
    }

    async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        let id = id.to_string();
        self.db
            .run(move |connection| {
                connection
                    .query_row("SELECT body FROM orders WHERE id = ?1", [id], |row| {
                        row.get::<_, String>(0)
                    })
                    .optional()
                    .map_err(unavailable)?
                    .map(|body| from_json(&body))
                    .transpose()
            })
            .await
    }

    async fn update(&self, order: &Order) -> Result<(), StoreError> {
        let order = order.clone();
        self.db
            .run(move |connection| {
                let updated = connection
                    .execute(
                        "UPDATE orders SET version = ?2, body = ?3 WHERE id = ?1 AND version = ?4",
                        params![
                            order.id.to_string(),
                            order.version,
                            to_json(&order)?,
                            order.version.saturating_sub(1)
                        ],
                    )
                    .map_err(unavailable)?;
                if updated == 1 {
                    Ok(())
                } else {
                    Err(StoreError::Conflict)
                }
            })
            .await
    }
}
