//! Stock and reservations in SQLite. Every operation is one transaction on the one
//! connection, so each is atomic and they never interleave.
//!
//! A SKU's row in `stock` holds shard 0's counters and the SKU's own figures (received,
//! threshold, number of shards); `stock_shards` holds shards 1 and up, as DynamoDB keeps
//! them in items of their own.

use std::collections::HashMap;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{from_json, to_json, unavailable, Cached, SqliteDb};
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::{
    first_shard, InventoryError, InventoryStore, Reservation, ReservationStatus, ReserveOutcome,
    Restock, SettleOutcome, Settlement, ShardLevel, ShardTake, ShardedStock, StockLevel, StockLine,
    MAX_RESERVATION_LINES,
};
use crate::domain::store::StoreError;

const STOCK_COLUMNS: &str =
    "sku, on_hand, reserved, available, sold, received, low_stock_threshold, shards";
const SHARD_COLUMNS: &str = "sku, shard, on_hand, reserved, available, sold";
const RESERVATION_COLUMNS: &str =
    "order_id, status, expires_at, created_at, lines, takes, promisable, drawn_from";

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

/// A `stock` row as SQLite returns it: the SKU, shard 0's counters, received, threshold
/// and number of shards (NULL in rows from before shards: one).
struct StockRow(String, [i64; 4], i64, Option<u32>, Option<u32>);

fn stock_row(row: &Row<'_>) -> rusqlite::Result<StockRow> {
    Ok(StockRow(
        row.get(0)?,
        [row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?],
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

/// A `stock_shards` row: the SKU, and the shard's index and counters.
struct ShardRow(String, u32, [i64; 4]);

fn shard_row(row: &Row<'_>) -> rusqlite::Result<ShardRow> {
    Ok(ShardRow(
        row.get(0)?,
        row.get(1)?,
        [row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?],
    ))
}

fn shard_level(shard: u32, [on_hand, reserved, available, sold]: [i64; 4]) -> ShardLevel {
    ShardLevel {
        shard,
        on_hand,
        reserved,
        available,
        sold,
    }
}

/// The stock of a `stock` row and its SKU's `stock_shards` rows.
fn sharded(
    StockRow(sku, counters, received, low_stock_threshold, shards): StockRow,
    rows: Vec<ShardRow>,
) -> Result<ShardedStock, StoreError> {
    let parsed = Sku::parse(&sku)
        .map_err(|error| StoreError::Corrupt(format!("stock row {sku:?}: {error}")))?;
    let mut levels = vec![shard_level(0, counters)];
    levels.extend(
        rows.into_iter()
            .map(|ShardRow(_, shard, counters)| shard_level(shard, counters)),
    );
    levels.sort_by_key(|level| level.shard);
    let expected = shards.unwrap_or(1);
    let indexes_ok = levels
        .iter()
        .zip(0..)
        .all(|(level, index): (&ShardLevel, u32)| level.shard == index);
    if !indexes_ok || u32::try_from(levels.len()).ok() != Some(expected) {
        return Err(StoreError::Corrupt(format!(
            "stock of {sku}: {} shard rows for {expected} shards",
            levels.len()
        )));
    }
    Ok(ShardedStock {
        sku: parsed,
        received,
        low_stock_threshold,
        shards: levels,
    })
}

fn load_stock(connection: &Connection, sku: &Sku) -> Result<Option<ShardedStock>, StoreError> {
    let Some(row) = connection
        .prepare_cached(&format!("SELECT {STOCK_COLUMNS} FROM stock WHERE sku = ?1"))
        .and_then(|mut statement| statement.query_row([sku.as_str()], stock_row).optional())
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    let shards = every_row(
        connection,
        &format!("SELECT {SHARD_COLUMNS} FROM stock_shards WHERE sku = ?1"),
        [sku.as_str()],
        shard_row,
        Ok,
    )?;
    sharded(row, shards).map(Some)
}

/// Writes `stock` over whatever its SKU had: the `stock` row, and exactly its shards
/// past 0 in `stock_shards`.
fn write_stock(connection: &Connection, stock: &ShardedStock) -> Result<(), StoreError> {
    let sku = stock.sku.as_str();
    let count = stock.shards.len();
    let base = stock
        .shards
        .first()
        .cloned()
        .unwrap_or(ShardLevel::empty(0));
    connection
        .execute_cached(
            "INSERT INTO stock
                 (sku, on_hand, reserved, available, sold, received, low_stock_threshold, shards)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand,
                 reserved = excluded.reserved, available = excluded.available,
                 sold = excluded.sold, received = excluded.received, shards = excluded.shards",
            params![
                sku,
                base.on_hand,
                base.reserved,
                base.available,
                base.sold,
                stock.received,
                stock.low_stock_threshold,
                count
            ],
        )
        .map_err(unavailable)?;
    connection
        .execute_cached(
            "DELETE FROM stock_shards WHERE sku = ?1 AND shard >= ?2",
            params![sku, count],
        )
        .map_err(unavailable)?;
    for shard in stock.shards.iter().skip(1) {
        connection
            .execute_cached(
                "INSERT INTO stock_shards (sku, shard, on_hand, reserved, available, sold)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (sku, shard) DO UPDATE SET on_hand = excluded.on_hand,
                     reserved = excluded.reserved, available = excluded.available,
                     sold = excluded.sold",
                params![
                    sku,
                    shard.shard,
                    shard.on_hand,
                    shard.reserved,
                    shard.available,
                    shard.sold
                ],
            )
            .map_err(unavailable)?;
    }
    Ok(())
}

/// Moves `take.quantity` units (`?2`) on `take`'s shard by `set`, where `condition`
/// holds; whether it did.
fn change_shard(
    connection: &Connection,
    take: &ShardTake,
    set: &str,
    condition: &str,
) -> Result<bool, StoreError> {
    let sku = take.sku.as_str();
    let changed = if take.shard == 0 {
        connection
            .prepare_cached(&format!(
                "UPDATE stock SET {set} WHERE sku = ?1 AND {condition}"
            ))
            .and_then(|mut statement| statement.execute(params![sku, take.quantity]))
    } else {
        connection
            .prepare_cached(&format!(
                "UPDATE stock_shards SET {set} WHERE sku = ?1 AND shard = ?3 AND {condition}"
            ))
            .and_then(|mut statement| statement.execute(params![sku, take.quantity, take.shard]))
    };
    Ok(changed.map_err(unavailable)? == 1)
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
        .execute_cached(
            "INSERT INTO restocks (order_id, restock_id, lines) VALUES (?1, ?2, ?3)",
            params![order.to_string(), restock_id, to_json(&restock.lines)?],
        )
        .map_err(unavailable)?;
    for line in &restock.lines {
        let gives = load_stock(connection, &line.sku)?
            .and_then(|stock| stock.give_back(line.quantity, first_shard(order)))
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "SKU {} has fewer units sold than committed order {order} gives back",
                    line.sku
                ))
            })?;
        for give in &gives {
            if !change_shard(
                connection,
                give,
                "on_hand = on_hand + ?2, available = available + ?2, sold = sold - ?2",
                "sold >= ?2",
            )? {
                return Err(StoreError::Corrupt(format!(
                    "shard {} of SKU {} sold fewer units than it counted",
                    give.shard, give.sku
                )));
            }
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
    takes: Option<String>,
    promisable: Option<u32>,
    drawn_from: Option<String>,
}

fn reservation_row(row: &Row<'_>) -> rusqlite::Result<ReservationRow> {
    Ok(ReservationRow {
        order_id: row.get(0)?,
        status: row.get(1)?,
        expires_at: row.get(2)?,
        created_at: row.get(3)?,
        lines: row.get(4)?,
        takes: row.get(5)?,
        promisable: row.get(6)?,
        drawn_from: row.get(7)?,
    })
}

fn reservation(row: ReservationRow) -> Result<Reservation, StoreError> {
    let corrupt =
        |what: String| StoreError::Corrupt(format!("reservation {}: {what}", row.order_id));
    Ok(Reservation {
        order_id: OrderId::parse(&row.order_id).map_err(|error| corrupt(error.to_string()))?,
        lines: from_json(&row.lines)?,
        takes: row
            .takes
            .as_deref()
            .map(from_json)
            .transpose()?
            .unwrap_or_default(),
        status: ReservationStatus::parse(&row.status)
            .ok_or_else(|| corrupt(format!("unknown status {:?}", row.status)))?,
        expires_at: OffsetDateTime::from_unix_timestamp(row.expires_at)
            .map_err(|error| corrupt(format!("expires_at: {error}")))?,
        created_at: OffsetDateTime::parse(&row.created_at, &Rfc3339)
            .map_err(|error| corrupt(format!("created_at: {error}")))?,
        promisable: row.promisable,
        drawn_from: row
            .drawn_from
            .as_deref()
            .map(OrderId::parse)
            .transpose()
            .map_err(|error| corrupt(format!("drawn_from: {error}")))?,
    })
}

/// Writes the lines, takes and promisable units of `hold`, still pending; whether it was.
fn write_hold(connection: &Connection, hold: &Reservation) -> Result<bool, StoreError> {
    let written = connection
        .execute_cached(
            "UPDATE reservations SET lines = ?2, takes = ?3, promisable = ?4
             WHERE order_id = ?1 AND status = 'PENDING'",
            params![
                hold.order_id.to_string(),
                to_json(&hold.lines)?,
                to_json(&hold.takes)?,
                hold.promisable
            ],
        )
        .map_err(unavailable)?;
    Ok(written == 1)
}

/// The pending hold `hold`, if it is one.
fn pending_hold(
    connection: &Connection,
    hold: &OrderId,
) -> Result<Option<Reservation>, StoreError> {
    Ok(load_reservation(connection, hold)?
        .filter(|hold| hold.is_hold() && hold.status == ReservationStatus::Pending))
}

fn load_reservation(
    connection: &Connection,
    order: &OrderId,
) -> Result<Option<Reservation>, StoreError> {
    connection
        .query_row_cached(
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
    let mut statement = connection.prepare_cached(query).map_err(unavailable)?;
    let rows = statement.query_map(parameters, read).map_err(unavailable)?;
    let mut records = Vec::new();
    for row in rows {
        records.push(check(row.map_err(unavailable)?)?);
    }
    Ok(records)
}

/// The change of one take's shard when its reservation settles: what is set, and the
/// condition that the units are reserved there.
fn stock_change(settlement: Settlement) -> (&'static str, &'static str) {
    let set = match settlement {
        Settlement::Commit => "reserved = reserved - ?2, on_hand = on_hand - ?2, sold = sold + ?2",
        Settlement::Release => "reserved = reserved - ?2, available = available + ?2",
    };
    (set, "reserved >= ?2")
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
        .execute_cached(
            "UPDATE reservations SET status = ?2 WHERE order_id = ?1 AND status = 'PENDING'",
            params![order.to_string(), settlement.status().as_str()],
        )
        .map_err(unavailable)?;
    if settled != 1 {
        return Err(StoreError::Conflict);
    }
    let mut takes = reservation.shard_takes();
    if let (Settlement::Release, Some(hold)) = (settlement, reservation.drawn_from) {
        let hold = pending_hold(connection, &hold)?;
        let (rest, given_back) = reservation.released_into(hold.as_ref());
        if let Some(given_back) = given_back {
            write_hold(connection, &given_back)?;
        }
        takes = rest;
    }
    let (set, condition) = stock_change(settlement);
    for take in takes {
        if !change_shard(connection, &take, set, condition)? {
            return Err(short_reserved(&take.sku, order));
        }
    }
    Ok(SettleOutcome::Applied)
}

/// Reserves the lines of `reservation`, new and pending, in the caller's transaction:
/// with a `hold`, every unit of the hold's SKU drawn from it, the rest from stock.
fn reserve_in(
    connection: &Connection,
    mut reservation: Reservation,
    hold: Option<OrderId>,
) -> Result<Result<ReserveOutcome, InventoryError>, StoreError> {
    if let Some(existing) = load_reservation(connection, &reservation.order_id)? {
        return Ok(Ok(ReserveOutcome::Existing(existing.status)));
    }
    let mut drawn_sku = None;
    if let Some(hold_id) = hold {
        let drawn = pending_hold(connection, &hold_id)?.and_then(|hold| {
            let sku = hold.held_sku()?.clone();
            let (after, moved) = hold.drawn(&sku, reservation.units_of(&sku))?;
            Some((sku, after, moved))
        });
        let Some((sku, after, moved)) = drawn else {
            return Ok(Err(InventoryError::HoldUnavailable));
        };
        write_hold(connection, &after)?;
        reservation.takes.extend(moved);
        reservation.drawn_from = Some(hold_id);
        drawn_sku = Some(sku);
    }
    let first = first_shard(&reservation.order_id);
    let mut short = Vec::new();
    for line in reservation
        .lines
        .iter()
        .filter(|line| Some(&line.sku) != drawn_sku.as_ref())
    {
        let takes =
            load_stock(connection, &line.sku)?.and_then(|stock| stock.take(line.quantity, first));
        match takes {
            Some(takes) => reservation.takes.extend(takes),
            None => short.push(line.sku.clone()),
        }
    }
    if !short.is_empty() {
        return Ok(Err(InventoryError::OutOfStock(short)));
    }
    if reservation.takes.len() > MAX_RESERVATION_LINES {
        return Ok(Err(InventoryError::TooManyLines));
    }
    let from_stock = reservation
        .takes
        .iter()
        .filter(|take| Some(&take.sku) != drawn_sku.as_ref());
    for take in from_stock {
        if !change_shard(
            connection,
            take,
            "available = available - ?2, reserved = reserved + ?2",
            "available >= ?2",
        )? {
            return Err(StoreError::Corrupt(format!(
                "shard {} of SKU {} has fewer units available than it counted",
                take.shard, take.sku
            )));
        }
    }
    let created_at = reservation
        .created_at
        .format(&Rfc3339)
        .map_err(|error| StoreError::Corrupt(format!("created_at: {error}")))?;
    connection
        .execute_cached(
            "INSERT INTO reservations
                 (order_id, status, expires_at, created_at, lines, takes, promisable, drawn_from)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                reservation.order_id.to_string(),
                reservation.status.as_str(),
                reservation.expires_at.unix_timestamp(),
                created_at,
                to_json(&reservation.lines)?,
                to_json(&reservation.takes)?,
                reservation.promisable,
                reservation.drawn_from.map(|hold| hold.to_string())
            ],
        )
        .map_err(unavailable)?;
    Ok(Ok(ReserveOutcome::Reserved))
}

/// A pending reservation whose units are not in its SKU's `reserved`: the invariant is
/// broken, and settling it would break it further.
fn short_reserved(sku: &Sku, order: &OrderId) -> StoreError {
    StoreError::Corrupt(format!(
        "SKU {sku} has fewer units reserved than the pending reservation of order {order}"
    ))
}

impl SqliteInventory {
    /// Keeps `reservation`, new and pending, in one transaction with its units' moves.
    async fn reserve_new(
        &self,
        reservation: Reservation,
        hold: Option<OrderId>,
    ) -> Result<ReserveOutcome, InventoryError> {
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                let outcome = reserve_in(&tx, reservation, hold)?;
                if outcome.is_ok() {
                    tx.commit().map_err(unavailable)?;
                }
                Ok(outcome)
            })
            .await?
    }

    /// Sets the promisable units of the pending hold `hold` by `set` (`?2`: `units`)
    /// where `condition` holds; whether it did.
    async fn change_promisable(
        &self,
        hold: &OrderId,
        units: u32,
        set: &'static str,
        condition: &'static str,
    ) -> Result<bool, StoreError> {
        let hold = hold.to_string();
        self.db
            .run(move |connection| {
                let changed = connection
                    .prepare_cached(&format!(
                        "UPDATE reservations SET {set}
                         WHERE order_id = ?1 AND status = 'PENDING' AND {condition}"
                    ))
                    .and_then(|mut statement| statement.execute(params![hold, units]))
                    .map_err(unavailable)?;
                Ok(changed == 1)
            })
            .await
    }

    async fn settle(
        &self,
        order: &OrderId,
        settlement: Settlement,
    ) -> Result<SettleOutcome, InventoryError> {
        let order = *order;
        let outcome = self
            .db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
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
    async fn set_stock(
        &self,
        sku: &Sku,
        on_hand: u32,
        shards: Option<u32>,
    ) -> Result<StockLevel, InventoryError> {
        let sku = sku.clone();
        self.db
            .run(move |connection| {
                let tx = connection.savepoint().map_err(unavailable)?;
                let next = match load_stock(&tx, &sku)? {
                    None => ShardedStock::initial(sku, on_hand, shards.unwrap_or(1)),
                    Some(current) => current.recounted(on_hand, shards),
                };
                let next = match next {
                    Ok(next) => next,
                    Err(refusal) => return Ok(Err(refusal)),
                };
                write_stock(&tx, &next)?;
                tx.commit().map_err(unavailable)?;
                Ok(Ok(next.level()))
            })
            .await?
    }

    async fn sharded_stock(&self, sku: &Sku) -> Result<Option<ShardedStock>, StoreError> {
        let sku = sku.clone();
        self.db
            .read(move |connection| load_stock(connection, &sku))
            .await
    }

    async fn stock_levels(&self, skus: &[Sku]) -> Result<Vec<StockLevel>, StoreError> {
        let mut skus = skus.to_vec();
        skus.sort();
        skus.dedup();
        self.db
            .read(move |connection| {
                let mut levels = Vec::with_capacity(skus.len());
                for sku in &skus {
                    levels.extend(load_stock(connection, sku)?.map(|stock| stock.level()));
                }
                Ok(levels)
            })
            .await
    }

    async fn all_stock_levels(&self) -> Result<Vec<StockLevel>, StoreError> {
        self.db
            .read(|connection| {
                let mut shards: HashMap<String, Vec<ShardRow>> = HashMap::new();
                for row in every_row(
                    connection,
                    &format!("SELECT {SHARD_COLUMNS} FROM stock_shards"),
                    [],
                    shard_row,
                    Ok,
                )? {
                    shards.entry(row.0.clone()).or_default().push(row);
                }
                every_row(
                    connection,
                    &format!("SELECT {STOCK_COLUMNS} FROM stock"),
                    [],
                    stock_row,
                    Ok,
                )?
                .into_iter()
                .map(|row| {
                    let rows = shards.remove(&row.0).unwrap_or_default();
                    sharded(row, rows).map(|stock| stock.level())
                })
                .collect()
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
        self.reserve_new(reservation, None).await
    }

    async fn set_aside(
        &self,
        hold: &OrderId,
        line: &StockLine,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let reservation = Reservation::hold(*hold, line, expires_at, now)?;
        self.reserve_new(reservation, None).await
    }

    async fn promise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError> {
        self.change_promisable(
            hold,
            units,
            "promisable = promisable - ?2",
            "promisable >= ?2",
        )
        .await
    }

    async fn unpromise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError> {
        self.change_promisable(
            hold,
            units,
            "promisable = promisable + ?2",
            "promisable IS NOT NULL",
        )
        .await
    }

    async fn reserve_drawing(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        hold: &OrderId,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let reservation = Reservation::pending(*order, lines, expires_at, now)?;
        self.reserve_new(reservation, Some(*hold)).await
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
                let tx = connection.savepoint().map_err(unavailable)?;
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
            .read(move |connection| load_reservation(connection, &order))
            .await
    }

    async fn all_reservations(&self) -> Result<Vec<Reservation>, StoreError> {
        self.db
            .read(|connection| {
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
                let tx = connection.savepoint().map_err(unavailable)?;
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
            .read(|connection| {
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
                let tx = connection.savepoint().map_err(unavailable)?;
                tx.execute_cached(
                    "INSERT INTO stock (sku, on_hand, reserved, available, sold, received,
                         low_stock_threshold, shards)
                     VALUES (?1, 0, 0, 0, 0, 0, ?2, 1)
                     ON CONFLICT (sku) DO UPDATE
                         SET low_stock_threshold = excluded.low_stock_threshold",
                    params![sku.as_str(), threshold],
                )
                .map_err(unavailable)?;
                let level = load_stock(&tx, &sku)?
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "the stock of {sku} vanished as it was written"
                        ))
                    })?
                    .level();
                tx.commit().map_err(unavailable)?;
                Ok(level)
            })
            .await?;
        Ok(level)
    }
}
