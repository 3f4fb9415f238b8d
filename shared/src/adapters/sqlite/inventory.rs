//! Stock and reservations in SQLite. Every operation is one transaction on the one
//! connection, so each is atomic and they never interleave.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{from_json, to_json, unavailable, SqliteDb};
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::{
    InventoryError, InventoryStore, Reservation, ReservationStatus, ReserveOutcome, Restock,
    SettleOutcome, Settlement, StockLevel, StockLine,
};
use crate::domain::store::StoreError;

const LEVEL_COLUMNS: &str =
    "sku, on_hand, reserved, available, sold, received, low_stock_threshold";
const RESERVATION_COLUMNS: &str = "order_id, status, expires_at, created_at, lines";

/// [`InventoryStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteInventory {
    db: SqliteDb,
}

impl SqliteInventory {
    /// The stock and reservation tables of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteInventory { db }
    }
}

/// A stock row as SQLite returns it, before its SKU is checked.
struct LevelRow(String, [i64; 5], Option<u32>);

fn level_row(row: &Row<'_>) -> rusqlite::Result<LevelRow> {
    Ok(LevelRow(
        row.get(0)?,
        [
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
        ],
        row.get(6)?,
    ))
}

fn level(LevelRow(sku, counters, low_stock_threshold): LevelRow) -> Result<StockLevel, StoreError> {
    let [on_hand, reserved, available, sold, received] = counters;
    Ok(StockLevel {
        sku: Sku::parse(&sku)
            .map_err(|error| StoreError::Corrupt(format!("stock row {sku:?}: {error}")))?,
        on_hand,
        reserved,
        available,
        sold,
        received,
        low_stock_threshold,
    })
}

/// A restock row as SQLite returns it: order id, restock id, lines as JSON.
type RestockRow = (String, String, String);

fn restock_row(row: &Row<'_>) -> rusqlite::Result<RestockRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn restock((order_id, restock_id, lines): RestockRow) -> Result<Restock, StoreError> {
    Ok(Restock {
        order_id: OrderId::parse(&order_id).map_err(|error| {
            StoreError::Corrupt(format!("restock {restock_id:?} of {order_id:?}: {error}"))
        })?,
        restock_id,
        lines: from_json(&lines)?,
    })
}

/// Restocks `lines` of `order` under `restock_id`; the caller's transaction makes the
/// record and the counter changes one change.
fn restock_in(
    connection: &Connection,
    order: &OrderId,
    restock_id: &str,
    lines: &[StockLine],
) -> Result<Result<SettleOutcome, InventoryError>, StoreError> {
    let Some(reservation) = load_reservation(connection, order)? else {
        return Ok(Ok(SettleOutcome::NotFound));
    };
    let earlier = every_row(
        connection,
        "SELECT order_id, restock_id, lines FROM restocks WHERE order_id = ?1",
        [order.to_string()],
        restock_row,
        restock,
    )?;
    if earlier.iter().any(|done| done.restock_id == restock_id) {
        return Ok(Ok(SettleOutcome::AlreadySettled(
            ReservationStatus::Committed,
        )));
    }
    let restock = match Restock::of(&reservation, restock_id, lines, &earlier) {
        Ok(restock) => restock,
        Err(refusal) => return Ok(Err(refusal)),
    };
    connection
        .execute(
            "INSERT INTO restocks (order_id, restock_id, lines) VALUES (?1, ?2, ?3)",
            params![order.to_string(), restock_id, to_json(&restock.lines)?],
        )
        .map_err(unavailable)?;
    for line in &restock.lines {
        let changed = connection
            .execute(
                "UPDATE stock SET on_hand = on_hand + ?2, available = available + ?2,
                     sold = sold - ?2
                 WHERE sku = ?1 AND sold >= ?2",
                params![line.sku.as_str(), line.quantity],
            )
            .map_err(unavailable)?;
        if changed != 1 {
            return Err(StoreError::Corrupt(format!(
                "SKU {} has fewer units sold than committed order {order} gives back",
                line.sku
            )));
        }
    }
    Ok(Ok(SettleOutcome::Applied))
}

/// A reservation row as SQLite returns it, before it is checked.
struct ReservationRow {
    order_id: String,
    status: String,
    expires_at: i64,
    created_at: String,
    lines: String,
}

fn reservation_row(row: &Row<'_>) -> rusqlite::Result<ReservationRow> {
    Ok(ReservationRow {
        order_id: row.get(0)?,
        status: row.get(1)?,
        expires_at: row.get(2)?,
        created_at: row.get(3)?,
        lines: row.get(4)?,
    })
}

fn reservation(row: ReservationRow) -> Result<Reservation, StoreError> {
    let corrupt =
        |what: String| StoreError::Corrupt(format!("reservation {}: {what}", row.order_id));
    Ok(Reservation {
        order_id: OrderId::parse(&row.order_id).map_err(|error| corrupt(error.to_string()))?,
        lines: from_json(&row.lines)?,
        status: ReservationStatus::parse(&row.status)
            .ok_or_else(|| corrupt(format!("unknown status {:?}", row.status)))?,
        expires_at: OffsetDateTime::from_unix_timestamp(row.expires_at)
            .map_err(|error| corrupt(format!("expires_at: {error}")))?,
        created_at: OffsetDateTime::parse(&row.created_at, &Rfc3339)
            .map_err(|error| corrupt(format!("created_at: {error}")))?,
    })
}

fn load_level(connection: &Connection, sku: &Sku) -> Result<Option<StockLevel>, StoreError> {
    connection
        .prepare_cached(&format!("SELECT {LEVEL_COLUMNS} FROM stock WHERE sku = ?1"))
        .and_then(|mut statement| statement.query_row([sku.as_str()], level_row).optional())
        .map_err(unavailable)?
        .map(level)
        .transpose()
}

fn load_reservation(
    connection: &Connection,
    order: &OrderId,
) -> Result<Option<Reservation>, StoreError> {
    connection
        .query_row(
            &format!("SELECT {RESERVATION_COLUMNS} FROM reservations WHERE order_id = ?1"),
            [order.to_string()],
            reservation_row,
        )
        .optional()
        .map_err(unavailable)?
        .map(reservation)
        .transpose()
}

/// Every row `query` (with `parameters`) selects, read by `read` and checked by `check`.
fn every_row<R, T>(
    connection: &Connection,
    query: &str,
    parameters: impl rusqlite::Params,
    read: fn(&Row<'_>) -> rusqlite::Result<R>,
    check: fn(R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut statement = connection.prepare(query).map_err(unavailable)?;
    let rows = statement.query_map(parameters, read).map_err(unavailable)?;
    let mut records = Vec::new();
    for row in rows {
        records.push(check(row.map_err(unavailable)?)?);
    }
    Ok(records)
}

/// The update of one line's stock, `?1` the SKU and `?2` the quantity; it changes
/// no row if fewer units are reserved.
fn stock_change(settlement: Settlement) -> &'static str {
    match settlement {
        Settlement::Commit => {
            "UPDATE stock SET reserved = reserved - ?2, on_hand = on_hand - ?2, sold = sold + ?2
                 WHERE sku = ?1 AND reserved >= ?2"
        }
        Settlement::Release => {
            "UPDATE stock SET reserved = reserved - ?2, available = available + ?2
                 WHERE sku = ?1 AND reserved >= ?2"
        }
    }
}

/// Settles the pending reservation of `order` and moves its units out of `reserved`;
/// the caller's transaction makes both one change.
fn settle(
    connection: &Connection,
    order: &OrderId,
    settlement: Settlement,
) -> Result<SettleOutcome, StoreError> {
    let Some(reservation) = load_reservation(connection, order)? else {
        return Ok(SettleOutcome::NotFound);
    };
    if reservation.status != ReservationStatus::Pending {
        return Ok(SettleOutcome::AlreadySettled(reservation.status));
    }
    let settled = connection
        .execute(
            "UPDATE reservations SET status = ?2 WHERE order_id = ?1 AND status = 'PENDING'",
            params![order.to_string(), settlement.status().as_str()],
        )
        .map_err(unavailable)?;
    if settled != 1 {
        return Err(StoreError::Conflict);
    }
    for line in &reservation.lines {
        let changed = connection
            .execute(
                stock_change(settlement),
                params![line.sku.as_str(), line.quantity],
            )
            .map_err(unavailable)?;
        if changed != 1 {
            return Err(short_reserved(&line.sku, order));
        }
    }
    Ok(SettleOutcome::Applied)
}

/// A pending reservation whose units are not in its SKU's `reserved`: the invariant is
/// broken, and settling it would break it further.
fn short_reserved(sku: &Sku, order: &OrderId) -> StoreError {
    StoreError::Corrupt(format!(
        "SKU {sku} has fewer units reserved than the pending reservation of order {order}"
    ))
}

impl SqliteInventory {
    async fn settle(
        &self,
        order: &OrderId,
        settlement: Settlement,
    ) -> Result<SettleOutcome, InventoryError> {
        let order = *order;
        let outcome = self
            .db
            .run(move |connection| {
                let tx = connection.transaction().map_err(unavailable)?;
                let outcome = settle(&tx, &order, settlement)?;
                tx.commit().map_err(unavailable)?;
                Ok(outcome)
            })
            .await?;
        Ok(outcome)
    }
}

#[async_trait]
impl InventoryStore for SqliteInventory {
    async fn set_on_hand(&self, sku: &Sku, on_hand: u32) -> Result<StockLevel, InventoryError> {
        let sku = sku.clone();
        self.db
            .run(move |connection| {
                let tx = connection.transaction().map_err(unavailable)?;
                let next = match load_level(&tx, &sku)? {
                    None => StockLevel::initial(sku, on_hand),
                    Some(current) => match current.with_on_hand(on_hand) {
                        Ok(next) => next,
                        Err(refusal) => return Ok(Err(refusal)),
                    },
                };
                tx.execute(
                    "INSERT INTO stock (sku, on_hand, reserved, available, sold, received)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand,
                         available = excluded.available, received = excluded.received",
                    params![
                        next.sku.as_str(),
                        next.on_hand,
                        next.reserved,
                        next.available,
                        next.sold,
                        next.received
                    ],
                )
                .map_err(unavailable)?;
                tx.commit().map_err(unavailable)?;
                Ok(Ok(next))
            })
            .await?
    }

    async fn stock_levels(&self, skus: &[Sku]) -> Result<Vec<StockLevel>, StoreError> {
        let mut skus = skus.to_vec();
        skus.sort();
        skus.dedup();
        self.db
            .run(move |connection| {
                let mut levels = Vec::with_capacity(skus.len());
                for sku in &skus {
                    levels.extend(load_level(connection, sku)?);
                }
                Ok(levels)
            })
            .await
    }

    async fn all_stock_levels(&self) -> Result<Vec<StockLevel>, StoreError> {
        self.db
            .run(|connection| {
                every_row(
                    connection,
                    &format!("SELECT {LEVEL_COLUMNS} FROM stock"),
                    [],
                    level_row,
                    level,
                )
            })
            .await
    }

    async fn reserve(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let reservation = Reservation::pending(*order, lines, expires_at, now)?;
        let lines = to_json(&reservation.lines)?;
        let created_at = reservation
            .created_at
            .format(&Rfc3339)
            .map_err(|error| StoreError::Corrupt(format!("created_at: {error}")))?;
        self.db
            .run(move |connection| {
                let tx = connection.transaction().map_err(unavailable)?;
                if let Some(existing) = load_reservation(&tx, &reservation.order_id)? {
                    return Ok(Ok(ReserveOutcome::Existing(existing.status)));
                }
                let mut short = Vec::new();
                for line in &reservation.lines {
                    let taken = tx
                        .execute(
                            "UPDATE stock SET available = available - ?2, reserved = reserved + ?2
                             WHERE sku = ?1 AND available >= ?2",
                            params![line.sku.as_str(), line.quantity],
                        )
                        .map_err(unavailable)?;
                    if taken != 1 {
                        short.push(line.sku.clone());
                    }
                }
                if !short.is_empty() {
                    // Dropping the transaction rolls back the lines that were taken.
                    return Ok(Err(InventoryError::OutOfStock(short)));
                }
                tx.execute(
                    "INSERT INTO reservations (order_id, status, expires_at, created_at, lines)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        reservation.order_id.to_string(),
                        reservation.status.as_str(),
                        reservation.expires_at.unix_timestamp(),
                        created_at,
                        lines
                    ],
                )
                .map_err(unavailable)?;
                tx.commit().map_err(unavailable)?;
                Ok(Ok(ReserveOutcome::Reserved))
            })
            .await?
    }

    async fn commit(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        self.settle(order, Settlement::Commit).await
    }

    async fn release(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        self.settle(order, Settlement::Release).await
    }

    async fn release_expired(&self, now: OffsetDateTime) -> Result<Vec<OrderId>, StoreError> {
        let now = now.unix_timestamp();
        self.db
            .run(move |connection| {
                let tx = connection.transaction().map_err(unavailable)?;
                let expired = every_row(
                    &tx,
                    &format!(
                        "SELECT {RESERVATION_COLUMNS} FROM reservations
                         WHERE status = 'PENDING' AND expires_at <= ?1"
                    ),
                    [now],
                    reservation_row,
                    reservation,
                )?;
                let mut released = Vec::with_capacity(expired.len());
                for reservation in expired {
                    if settle(&tx, &reservation.order_id, Settlement::Release)?
                        == SettleOutcome::Applied
                    {
                        released.push(reservation.order_id);
                    }
                }
                tx.commit().map_err(unavailable)?;
                Ok(released)
            })
            .await
    }

    async fn reservation(&self, order: &OrderId) -> Result<Option<Reservation>, StoreError> {
        let order = *order;
        self.db
            .run(move |connection| load_reservation(connection, &order))
            .await
    }

    async fn all_reservations(&self) -> Result<Vec<Reservation>, StoreError> {
        self.db
            .run(|connection| {
                every_row(
                    connection,
                    &format!("SELECT {RESERVATION_COLUMNS} FROM reservations"),
                    [],
                    reservation_row,
                    reservation,
                )
            })
            .await
    }

    async fn restock(
        &self,
        order: &OrderId,
        restock_id: &str,
        lines: &[StockLine],
    ) -> Result<SettleOutcome, InventoryError> {
        let (order, restock_id, lines) = (*order, restock_id.to_owned(), lines.to_vec());
        self.db
            .run(move |connection| {
                let tx = connection.transaction().map_err(unavailable)?;
                let outcome = restock_in(&tx, &order, &restock_id, &lines)?;
                if outcome.is_ok() {
                    tx.commit().map_err(unavailable)?;
                }
                Ok(outcome)
            })
            .await?
    }

    async fn restocks(&self) -> Result<Vec<Restock>, StoreError> {
        self.db
            .run(|connection| {
                every_row(
                    connection,
                    "SELECT order_id, restock_id, lines FROM restocks",
                    [],
                    restock_row,
                    restock,
                )
            })
            .await
    }

    async fn set_low_stock_threshold(
        &self,
        sku: &Sku,
        threshold: Option<u32>,
    ) -> Result<StockLevel, InventoryError> {
        let sku = sku.clone();
        let level = self
            .db
            .run(move |connection| {
                let tx = connection.transaction().map_err(unavailable)?;
                tx.execute(
                    "INSERT INTO stock
                         (sku, on_hand, reserved, available, sold, received, low_stock_threshold)
                     VALUES (?1, 0, 0, 0, 0, 0, ?2)
                     ON CONFLICT (sku) DO UPDATE
                         SET low_stock_threshold = excluded.low_stock_threshold",
                    params![sku.as_str(), threshold],
                )
                .map_err(unavailable)?;
                let level = load_level(&tx, &sku)?.ok_or_else(|| {
                    StoreError::Corrupt(format!("the stock of {sku} vanished as it was written"))
                })?;
                tx.commit().map_err(unavailable)?;
                Ok(level)
            })
            .await?;
        Ok(level)
    }
}
