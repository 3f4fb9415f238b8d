//! Carts in SQLite.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;

use super::{from_json, to_json, unavailable, Cached, SqliteDb};
use crate::domain::cart::Cart;
use crate::domain::cart::CartStore;
use crate::domain::ids::CartId;
use crate::domain::store::StoreError;

/// [`CartStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteCarts {
    db: SqliteDb,
}

impl SqliteCarts {
    /// The cart table of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteCarts { db }
    }
}

/// Writes `cart` under the version rule of [`CartStore::save`].
fn write(tx: &Connection, cart: &Cart, now: i64) -> Result<(), StoreError> {
    let id = cart.id.to_string();
    let body = to_json(cart)?;
    let expires_at = cart.expires_at.unix_timestamp();
    let written = if cart.version == 1 {
        tx.execute_cached(
            "INSERT INTO carts (id, version, expires_at, body) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version,
                 expires_at = excluded.expires_at, body = excluded.body
             WHERE carts.expires_at <= ?5",
            params![id, cart.version, expires_at, body, now],
        )
    } else {
        tx.execute_cached(
            "UPDATE carts SET version = ?2, expires_at = ?3, body = ?4
             WHERE id = ?1 AND version = ?5 AND expires_at > ?6",
            params![id, cart.version, expires_at, body, cart.version - 1, now],
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
impl CartStore for SqliteCarts {
    async fn cart(&self, id: &CartId, now: OffsetDateTime) -> Result<Option<Cart>, StoreError> {
        let id = id.to_string();
        let now = now.unix_timestamp();
        self.db
            .read(move |connection| {
                connection
                    .query_row_cached(
                        "SELECT body FROM carts WHERE id = ?1 AND expires_at > ?2",
                        params![id, now],
                        |row| row.get::<_, String>(0),
                    )
                    .optional()
                    .map_err(unavailable)?
                    .map(|body| from_json(&body))
                    .transpose()
            })
            .await
    }

    async fn save(&self, cart: &Cart, now: OffsetDateTime) -> Result<(), StoreError> {
        let cart = cart.clone();
        let now = now.unix_timestamp();
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                write(&tx, &cart, now)?;
                tx.commit().map_err(unavailable)
            })
            .await
    }

    async fn save_merged(
        &self,
        user_cart: &Cart,
        guest: &Cart,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let user_cart = user_cart.clone();
        let guest_id = guest.id.to_string();
        let guest_version = guest.version;
        let now = now.unix_timestamp();
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                write(&tx, &user_cart, now)?;
                let deleted = tx
                    .execute_cached(
                        "DELETE FROM carts WHERE id = ?1 AND version = ?2 AND expires_at > ?3",
                        params![guest_id, guest_version, now],
                    )
                    .map_err(unavailable)?;
                if deleted != 1 {
                    return Err(StoreError::Conflict);
                }
                tx.commit().map_err(unavailable)
            })
            .await
    }
}
