//! Orders in SQLite.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::{created, from_json, to_json, unavailable, Cached, SqliteDb};
use crate::adapters::cursor::{page_of, Cursor};
use crate::domain::ids::{OrderId, UserId};
use crate::domain::orders::OrderStore;
use crate::domain::orders::{Order, OrderStatus};
use crate::domain::store::{Page, PageRequest, StoreError};

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

    /// One page of the orders whose `column` is `value`, by `created_at` then id in
    /// `direction` (`ASC` or `DESC`), after the request's cursor of `listing`.
    async fn page(
        &self,
        column: &'static str,
        value: String,
        direction: &'static str,
        listing: String,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        let after = Cursor::of_request(page.cursor.as_deref(), &listing)?;
        let limit = page.bounded_limit() as usize;
        self.db
            .read(move |connection| {
                let orders = select_page(connection, column, &value, direction, after, limit)?;
                Ok(page_of(orders, limit, |last: &Order| {
                    Cursor::new(
                        &listing,
                        last.created_at.unix_timestamp(),
                        last.id.to_string(),
                    )
                }))
            })
            .await
    }
}

/// Up to `limit + 1` orders whose `column` is `value`, after `after` in `direction`.
fn select_page(
    connection: &Connection,
    column: &str,
    value: &str,
    direction: &str,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Vec<Order>, StoreError> {
    let beyond = if direction == "DESC" { "<" } else { ">" };
    let (at, id) = after.map_or((None, None), |cursor| (Some(cursor.at), Some(cursor.id)));
    let query = format!(
        "SELECT body FROM orders WHERE {column} = ?1
             AND (?2 IS NULL OR (created_at, id) {beyond} (?2, ?3))
         ORDER BY created_at {direction}, id {direction} LIMIT ?4"
    );
    let mut statement = connection.prepare_cached(&query).map_err(unavailable)?;
    let bodies = statement
        .query_map(params![value, at, id, limit as i64 + 1], |row| {
            row.get::<_, String>(0)
        })
        .map_err(unavailable)?;
    let mut orders = Vec::new();
    for body in bodies {
        orders.push(from_json(&body.map_err(unavailable)?)?);
    }
    Ok(orders)
}

#[async_trait]
impl OrderStore for SqliteOrders {
    async fn create(&self, order: &Order) -> Result<(), StoreError> {
        let order = order.clone();
        self.db
            .run(move |connection| {
                let inserted = connection
                    .execute_cached(
                        "INSERT INTO orders (id, user_id, version, created_at, body, status)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (id) DO NOTHING",
                        params![
                            order.id.to_string(),
                            order.user_id.as_str(),
                            order.version,
                            order.created_at.unix_timestamp(),
                            to_json(&order)?,
                            order.status.to_string()
                        ],
                    )
                    .map_err(unavailable)?;
                created(inserted)
            })
            .await
    }

    async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        let id = id.to_string();
        self.db
            .read(move |connection| {
                connection
                    .query_row_cached("SELECT body FROM orders WHERE id = ?1", [id], |row| {
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
                    .execute_cached(
                        "UPDATE orders SET version = ?2, body = ?3, status = ?5
                         WHERE id = ?1 AND version = ?4",
                        params![
                            order.id.to_string(),
                            order.version,
                            to_json(&order)?,
                            order.version.saturating_sub(1),
                            order.status.to_string()
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

    async fn orders_for_user(
        &self,
        user: &UserId,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        let listing = format!("user:{}", user.as_str());
        self.page("user_id", user.as_str().to_owned(), "DESC", listing, page)
            .await
    }

    async fn orders_with_status(
        &self,
        status: OrderStatus,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        let listing = format!("status:{status}");
        self.page("status", status.to_string(), "ASC", listing, page)
            .await
    }
}
