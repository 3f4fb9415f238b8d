//! Flash sales and their waiting rooms' tickets in SQLite. A ticket's row keeps, beside
//! its JSON, the columns its sale's listings read through their indexes: its status, its
//! queue key and its token's expiry ([`token_expiry`]).

use async_trait::async_trait;
use rusqlite::{params, Connection, Params};
use time::OffsetDateTime;

use super::{created, select_bodies, select_body, to_json, unavailable, Cached, SqliteDb};
use crate::adapters::cursor::{nanos, token_expiry};
use crate::domain::flash_sale::{
    FlashSale, FlashSaleStore, Joined, QueueKey, Ticket, TicketStatus,
};
use crate::domain::ids::{SaleId, UserId};
use crate::domain::store::StoreError;

/// The ticket of buyer `?2` for sale `?1`.
const TICKET: &str = "SELECT body FROM flash_sale_tickets WHERE sale_id = ?1 AND buyer = ?2";

/// [`FlashSaleStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteFlashSales {
    db: SqliteDb,
}

impl SqliteFlashSales {
    /// The flash-sale tables of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteFlashSales { db }
    }
}

/// Runs `sql`, an insert or an update of one ticket row that takes the ticket's columns
/// as `?1` to `?7`; whether it wrote the row.
fn write_ticket(connection: &Connection, sql: &str, ticket: &Ticket) -> Result<bool, StoreError> {
    let written = connection
        .execute_cached(
            sql,
            params![
                ticket.sale_id.to_string(),
                ticket.buyer.as_str(),
                ticket.status.as_str(),
                ticket.queue_key.0,
                token_expiry(ticket),
                ticket.version,
                to_json(ticket)?
            ],
        )
        .map_err(unavailable)?;
    Ok(written == 1)
}

/// The count `sql` selects, a `COUNT(*)` of a subquery limited to `cap` rows.
fn capped_count<P: Params>(
    connection: &Connection,
    sql: &str,
    params: P,
    cap: u32,
) -> Result<u32, StoreError> {
    let count: i64 = connection
        .query_row_cached(sql, params, |row| row.get(0))
        .map_err(unavailable)?;
    Ok(u32::try_from(count).map_or(cap, |count| count.min(cap)))
}

#[async_trait]
impl FlashSaleStore for SqliteFlashSales {
    async fn create_sale(&self, sale: &FlashSale) -> Result<(), StoreError> {
        let id = sale.id.to_string();
        let body = to_json(sale)?;
        self.db
            .run(move |connection| {
                let inserted = connection
                    .execute_cached(
                        "INSERT INTO flash_sales (id, body) VALUES (?1, ?2)
                         ON CONFLICT (id) DO NOTHING",
                        params![id, body],
                    )
                    .map_err(unavailable)?;
                created(inserted)
            })
            .await
    }

    async fn sale(&self, id: &SaleId) -> Result<Option<FlashSale>, StoreError> {
        let id = id.to_string();
        self.db
            .read(move |connection| {
                select_body(
                    connection,
                    "SELECT body FROM flash_sales WHERE id = ?1",
                    [id],
                )
            })
            .await
    }

    async fn sales_not_ended(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<FlashSale>, StoreError> {
        // A shop holds a handful of sales: read them all and pick.
        let mut sales: Vec<FlashSale> = self
            .db
            .read(|connection| select_bodies(connection, "SELECT body FROM flash_sales", []))
            .await?;
        sales.retain(|sale| sale.ends_at > now);
        sales.sort_by_key(|sale| (sale.ends_at, sale.id));
        sales.truncate(limit as usize);
        Ok(sales)
    }

    async fn join(&self, ticket: &Ticket) -> Result<Joined, StoreError> {
        let ticket = ticket.clone();
        self.db
            .run(move |connection| {
                let inserted = write_ticket(
                    connection,
                    "INSERT INTO flash_sale_tickets
                         (sale_id, buyer, status, queue_key, token_expires_at, version, body)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (sale_id, buyer) DO NOTHING",
                    &ticket,
                )?;
                if inserted {
                    return Ok(Joined::New(ticket));
                }
                let key = params![ticket.sale_id.to_string(), ticket.buyer.as_str()];
                // Tickets are never deleted: the row that refused the insert is there.
                select_body(connection, TICKET, key)?
                    .map(Joined::Existing)
                    .ok_or(StoreError::Conflict)
            })
            .await
    }

    async fn ticket(&self, sale: &SaleId, buyer: &UserId) -> Result<Option<Ticket>, StoreError> {
        let (sale, buyer) = (sale.to_string(), buyer.as_str().to_owned());
        self.db
            .read(move |connection| select_body(connection, TICKET, params![sale, buyer]))
            .await
    }

    async fn update_ticket(&self, ticket: &Ticket) -> Result<(), StoreError> {
        let ticket = ticket.clone();
        self.db
            .run(move |connection| {
                let updated = write_ticket(
                    connection,
                    "UPDATE flash_sale_tickets SET status = ?3, queue_key = ?4,
                         token_expires_at = ?5, version = ?6, body = ?7
                     WHERE sale_id = ?1 AND buyer = ?2 AND version = ?6 - 1",
                    &ticket,
                )?;
                if updated {
                    Ok(())
                } else {
                    Err(StoreError::Conflict)
                }
            })
            .await
    }

    async fn waiting_ahead(
        &self,
        sale: &SaleId,
        key: QueueKey,
        cap: u32,
    ) -> Result<u32, StoreError> {
        let sale = sale.to_string();
        self.db
            .read(move |connection| {
                capped_count(
                    connection,
                    "SELECT COUNT(*) FROM (SELECT 1 FROM flash_sale_tickets
                         WHERE sale_id = ?1 AND status = ?2 AND queue_key < ?3 LIMIT ?4)",
                    params![sale, TicketStatus::Waiting.as_str(), key.0, cap],
                    cap,
                )
            })
            .await
    }

    async fn next_waiting(&self, sale: &SaleId, limit: u32) -> Result<Vec<Ticket>, StoreError> {
        let sale = sale.to_string();
        self.db
            .read(move |connection| {
                select_bodies(
                    connection,
                    "SELECT body FROM flash_sale_tickets WHERE sale_id = ?1 AND status = ?2
                     ORDER BY queue_key LIMIT ?3",
                    params![sale, TicketStatus::Waiting.as_str(), limit],
                )
            })
            .await
    }

    async fn admitted_count(&self, sale: &SaleId, cap: u32) -> Result<u32, StoreError> {
        let sale = sale.to_string();
        self.db
            .read(move |connection| {
                capped_count(
                    connection,
                    "SELECT COUNT(*) FROM (SELECT 1 FROM flash_sale_tickets
                         WHERE sale_id = ?1 AND status = ?2 LIMIT ?3)",
                    params![sale, TicketStatus::Admitted.as_str(), cap],
                    cap,
                )
            })
            .await
    }

    async fn expired_tokens(
        &self,
        sale: &SaleId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        let sale = sale.to_string();
        let now = nanos(now);
        self.db
            .read(move |connection| {
                select_bodies(
                    connection,
                    "SELECT body FROM flash_sale_tickets
                     WHERE sale_id = ?1 AND status = ?2 AND token_expires_at <= ?3
                     ORDER BY token_expires_at LIMIT ?4",
                    params![sale, TicketStatus::Admitted.as_str(), now, limit],
                )
            })
            .await
    }
}
