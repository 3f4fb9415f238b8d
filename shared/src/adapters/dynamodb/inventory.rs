//! Stock and reservations in DynamoDB; the table design is in the [module docs](super).

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ReturnValue, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use futures::{StreamExt, TryStreamExt};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::error::{unavailable, written_unless_changed};
use super::item::{
    attributes, composite_key, get, number, read_number, read_text, text, Item, EXPIRES_AT, PK,
};
use super::transaction::{put, try_transact, update, Cancelled, Names};
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::{
    InventoryError, InventoryStore, Reservation, ReservationStatus, ReserveOutcome, Restock,
    SettleOutcome, Settlement, StockLevel, StockLine,
};
use crate::domain::store::{retry_on_conflict, StoreError};

const SKU_PREFIX: &str = "SKU#";
const ORDER_PREFIX: &str = "ORDER#";
/// The sort key of stock items.
const STOCK: &str = "STOCK";
/// The sort key of reservation items.
const RESERVATION: &str = "RESERVATION";

const ON_HAND: &str = "on_hand";
const RESERVED: &str = "reserved";
const AVAILABLE: &str = "available";
const SOLD: &str = "sold";
const RECEIVED: &str = "received";
/// Present only on SKUs that have a low-stock threshold.
const LOW_STOCK_THRESHOLD: &str = "low_stock_threshold";
/// The prefix of a reservation's restock markers, `restock:<restock id>`, each holding
/// the restocked lines as JSON.
const RESTOCK_MARKER: &str = "restock:";
/// The prefix of a reservation's per-SKU restocked counters, `restocked:<sku>`.
const RESTOCKED: &str = "restocked:";

const STATUS: &str = "status";
const LINES: &str = "lines";
const CREATED_AT: &str = "created_at";
/// Present, with the value `PENDING`, only on pending reservations: the partition key of
/// the sparse index of pending reservations by expiry.
const PENDING: &str = "pending";
const PENDING_BY_EXPIRY: &str = "pending_by_expiry";

/// At most this many stock reads are in flight for one `stock_levels` call.
const CONCURRENT_READS: usize = 16;

/// [`InventoryStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoInventory {
    client: Client,
    table: String,
}

impl DynamoInventory {
    /// The stock and reservations kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoInventory {
            client,
            table: table.into(),
        }
    }
}

fn stock_key(sku: &Sku) -> Item {
    composite_key(format!("{SKU_PREFIX}{sku}"), STOCK)
}

fn reservation_key(order: &OrderId) -> Item {
    composite_key(format!("{ORDER_PREFIX}{order}"), RESERVATION)
}

fn stock_item(level: &StockLevel) -> Item {
    let mut item = stock_key(&level.sku);
    for (name, value) in [
        (ON_HAND, level.on_hand),
        (RESERVED, level.reserved),
        (AVAILABLE, level.available),
        (SOLD, level.sold),
        (RECEIVED, level.received),
    ] {
        item.insert(name.to_owned(), number(value));
    }
    if let Some(threshold) = level.low_stock_threshold {
        item.insert(LOW_STOCK_THRESHOLD.to_owned(), number(threshold));
    }
    item
}

fn read_level(item: &Item) -> Result<StockLevel, StoreError> {
    let pk = read_text(item, PK)?;
    let sku = pk
        .strip_prefix(SKU_PREFIX)
        .and_then(|sku| Sku::parse(sku).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("item {pk}: not a stock key")))?;
    Ok(StockLevel {
        sku,
        on_hand: read_number(item, ON_HAND)?,
        reserved: read_number(item, RESERVED)?,
        available: read_number(item, AVAILABLE)?,
        sold: read_number(item, SOLD)?,
        received: read_number(item, RECEIVED)?,
        low_stock_threshold: item
            .contains_key(LOW_STOCK_THRESHOLD)
            .then(|| read_number(item, LOW_STOCK_THRESHOLD))
            .transpose()?,
    })
}

/// The restocks recorded on a reservation item, one per marker attribute.
fn read_restocks(item: &Item) -> Result<Vec<Restock>, StoreError> {
    let order = read_reservation(item)?.order_id;
    let mut restocks = Vec::new();
    for (name, value) in item {
        let Some(restock_id) = name.strip_prefix(RESTOCK_MARKER) else {
            continue;
        };
        let lines = value
            .as_s()
            .ok()
            .and_then(|lines| serde_json::from_str(lines).ok())
            .ok_or_else(|| {
                StoreError::Corrupt(format!("reservation of {order}: {name} is not lines"))
            })?;
        restocks.push(Restock {
            order_id: order,
            restock_id: restock_id.to_owned(),
            lines,
        });
    }
    Ok(restocks)
}

/// The transaction of `restock` out of `reservation`: the reservation item gets the
/// restock's marker (conditional on it being absent and on the reservation being
/// committed) and per SKU its restocked counter raised (conditional on not passing
/// what the order committed); then per line the units move from `sold` back to
/// `on_hand` and `available`.
fn restock_writes(
    table: &str,
    reservation: &Reservation,
    restock: &Restock,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let lines = serde_json::to_string(&restock.lines)
        .map_err(|error| StoreError::Corrupt(error.to_string()))?;
    let mut names = Names::from([
        ("#status".to_owned(), STATUS.to_owned()),
        (
            "#marker".to_owned(),
            format!("{RESTOCK_MARKER}{}", restock.restock_id),
        ),
    ]);
    let mut values = attributes([
        (":committed", text(ReservationStatus::Committed.as_str())),
        (":lines", text(lines)),
        (":zero", number(0)),
    ]);
    let mut update_expression = "SET #marker = :lines".to_owned();
    let mut condition = "#status = :committed AND attribute_not_exists(#marker)".to_owned();
    for (position, line) in restock.lines.iter().enumerate() {
        let counter = format!("#r{position}");
        let (units, most_before) = (format!(":q{position}"), format!(":max{position}"));
        names.insert(counter.clone(), format!("{RESTOCKED}{}", line.sku));
        values.insert(units.clone(), number(line.quantity));
        // Conditions cannot add: the counter may be at most what is left after this.
        let committed = reservation.units_of(&line.sku);
        values.insert(
            most_before.clone(),
            number(committed.saturating_sub(line.quantity)),
        );
        update_expression.push_str(&format!(
            ", {counter} = if_not_exists({counter}, :zero) + {units}"
        ));
        condition.push_str(&format!(
            " AND (attribute_not_exists({counter}) OR {counter} <= {most_before})"
        ));
    }
    let mut writes = vec![update(
        table,
        reservation_key(&reservation.order_id),
        &update_expression,
        &condition,
        names,
        values,
    )?];
    for line in &restock.lines {
        writes.push(update(
            table,
            stock_key(&line.sku),
            "SET on_hand = on_hand + :q, available = available + :q, sold = sold - :q",
            "attribute_exists(pk) AND sold >= :q",
            Names::new(),
            quantity(line.quantity),
        )?);
    }
    Ok(writes)
}

/// A new reservation's item; only pending reservations carry [`PENDING`].
fn reservation_item(reservation: &Reservation) -> Result<Item, StoreError> {
    let lines = serde_json::to_string(&reservation.lines)
        .map_err(|error| StoreError::Corrupt(error.to_string()))?;
    let created_at = reservation
        .created_at
        .format(&Rfc3339)
        .map_err(|error| StoreError::Corrupt(format!("{CREATED_AT}: {error}")))?;
    let mut item = reservation_key(&reservation.order_id);
    item.insert(STATUS.to_owned(), text(reservation.status.as_str()));
    item.insert(
        EXPIRES_AT.to_owned(),
        number(reservation.expires_at.unix_timestamp()),
    );
    item.insert(LINES.to_owned(), text(lines));
    item.insert(CREATED_AT.to_owned(), text(created_at));
    if reservation.status == ReservationStatus::Pending {
        item.insert(
            PENDING.to_owned(),
            text(ReservationStatus::Pending.as_str()),
        );
    }
    Ok(item)
}

fn read_reservation(item: &Item) -> Result<Reservation, StoreError> {
    let pk = read_text(item, PK)?;
    let corrupt = |what: String| StoreError::Corrupt(format!("item {pk}: {what}"));
    let order_id = pk
        .strip_prefix(ORDER_PREFIX)
        .and_then(|order| OrderId::parse(order).ok())
        .ok_or_else(|| corrupt("not a reservation key".to_owned()))?;
    let status = read_text(item, STATUS)?;
    Ok(Reservation {
        order_id,
        lines: serde_json::from_str(read_text(item, LINES)?)
            .map_err(|error| corrupt(format!("{LINES}: {error}")))?,
        status: ReservationStatus::parse(status)
            .ok_or_else(|| corrupt(format!("unknown {STATUS} {status:?}")))?,
        expires_at: OffsetDateTime::from_unix_timestamp(read_number(item, EXPIRES_AT)?)
            .map_err(|error| corrupt(format!("{EXPIRES_AT}: {error}")))?,
        created_at: OffsetDateTime::parse(read_text(item, CREATED_AT)?, &Rfc3339)
            .map_err(|error| corrupt(format!("{CREATED_AT}: {error}")))?,
    })
}

fn quantity(units: u32) -> Item {
    attributes([(":q", number(units))])
}

/// The update of one line's stock item, by `:q` units.
fn stock_change(settlement: Settlement) -> &'static str {
    match settlement {
        Settlement::Commit => {
            "SET reserved = reserved - :q, on_hand = on_hand - :q, sold = sold + :q"
        }
        Settlement::Release => "SET reserved = reserved - :q, available = available + :q",
    }
}

/// The lines of `reservation` at the `positions` of a transaction whose first write is
/// the reservation's own.
fn lines_at<'a>(
    reservation: &'a Reservation,
    positions: &'a [usize],
) -> impl Iterator<Item = &'a StockLine> {
    positions
        .iter()
        .filter_map(|position| position.checked_sub(1))
        .filter_map(|line| reservation.lines.get(line))
}

impl DynamoInventory {
    /// Restocks `lines` of `order` under `restock_id` as [`InventoryStore::restock`]
    /// says: decided on the reservation as read, written under conditions that hold
    /// only while it is still so; decided again when a concurrent restock got there first.
    async fn restock_order(
        &self,
        order: &OrderId,
        restock_id: &str,
        lines: &[StockLine],
    ) -> Result<SettleOutcome, InventoryError> {
        retry_on_conflict(|| async {
            let Some(item) = get(&self.client, &self.table, reservation_key(order)).await? else {
                return Ok(SettleOutcome::NotFound);
            };
            let reservation = read_reservation(&item)?;
            let earlier = read_restocks(&item)?;
            if earlier.iter().any(|done| done.restock_id == restock_id) {
                return Ok(SettleOutcome::AlreadySettled(ReservationStatus::Committed));
            }
            let restock = Restock::of(&reservation, restock_id, lines, &earlier)?;
            match self
                .transact(restock_writes(&self.table, &reservation, &restock)?)
                .await
            {
                Ok(()) => Ok(SettleOutcome::Applied),
                // The reservation changed since it was read: read it and decide again.
                Err(Cancelled::Refused(positions)) if positions.contains(&0) => {
                    Err(StoreError::Conflict.into())
                }
                Err(Cancelled::Refused(positions)) => {
                    let short: Vec<&str> = positions
                        .iter()
                        .filter_map(|position| position.checked_sub(1))
                        .filter_map(|line| restock.lines.get(line))
                        .map(|line| line.sku.as_str())
                        .collect();
                    Err(StoreError::Corrupt(format!(
                        "SKUs {} have fewer units sold than committed order {order} gives back",
                        short.join(", ")
                    ))
                    .into())
                }
                Err(Cancelled::Failed(error)) => Err(error.into()),
            }
        })
        .await
    }

    /// Sets or removes the SKU's threshold in one UpdateItem that also creates the
    /// stock item, all counters zero, if there is none.
    async fn write_threshold(
        &self,
        sku: &Sku,
        threshold: Option<u32>,
    ) -> Result<StockLevel, StoreError> {
        let mut update_expression = [ON_HAND, RESERVED, AVAILABLE, SOLD, RECEIVED]
            .map(|counter| format!("{counter} = if_not_exists({counter}, :zero)"))
            .join(", ");
        let mut values = attributes([(":zero", number(0))]);
        match threshold {
            Some(threshold) => {
                update_expression.push_str(&format!(", {LOW_STOCK_THRESHOLD} = :threshold"));
                values.insert(":threshold".to_owned(), number(threshold));
            }
            None => update_expression.push_str(&format!(" REMOVE {LOW_STOCK_THRESHOLD}")),
        }
        let update_expression = format!("SET {update_expression}");
        retry_on_conflict(|| async {
            let written = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(stock_key(sku)))
                .update_expression(&update_expression)
                .set_expression_attribute_values(Some(values.clone()))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match written {
                Ok(output) => read_level(&output.attributes.unwrap_or_default()),
                // A transaction was writing the stock item: the update can simply go again.
                Err(error)
                    if error
                        .as_service_error()
                        .is_some_and(|error| error.is_transaction_conflict_exception()) =>
                {
                    Err(StoreError::Conflict)
                }
                Err(error) => Err(unavailable(error)),
            }
        })
        .await
    }

    async fn stock_level(&self, sku: &Sku) -> Result<Option<StockLevel>, StoreError> {
        get(&self.client, &self.table, stock_key(sku))
            .await?
            .map(|item| read_level(&item))
            .transpose()
    }

    /// Every item whose sort key is `sk`: a full scan, for audits only.
    async fn scan(&self, sk: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start_key = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("sk = :sk")
                .expression_attribute_values(":sk", text(sk))
                .consistent_read(true)
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start_key = Some(key),
                _ => return Ok(items),
            }
        }
    }

    /// Writes the first stock record of a SKU, unless one appeared meanwhile.
    async fn create_stock(&self, level: &StockLevel) -> Result<(), StoreError> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(stock_item(level)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        // Refused by the condition or racing a transaction: someone else wrote it first.
        written_unless_changed(written)
    }

    /// Writes `next` over `current`, unless the stock changed since `current` was read.
    async fn recount_stock(
        &self,
        current: &StockLevel,
        next: &StockLevel,
    ) -> Result<(), StoreError> {
        let written = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(stock_key(&current.sku)))
            .update_expression(
                "SET on_hand = :on_hand, available = :available, received = :received",
            )
            .condition_expression(
                "on_hand = :was_on_hand AND reserved = :was_reserved AND received = :was_received",
            )
            .expression_attribute_values(":on_hand", number(next.on_hand))
            .expression_attribute_values(":available", number(next.available))
            .expression_attribute_values(":received", number(next.received))
            .expression_attribute_values(":was_on_hand", number(current.on_hand))
            .expression_attribute_values(":was_reserved", number(current.reserved))
            .expression_attribute_values(":was_received", number(current.received))
            .send()
            .await;
        // Refused by the condition or racing a transaction: the stock changed meanwhile.
        written_unless_changed(written)
    }

    /// Sends `writes`, again while another transaction is writing one of its items.
    async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), Cancelled> {
        retry_on_conflict(|| try_transact(&self.client, writes.clone())).await
    }

    /// The status of a reservation whose existence just refused a write.
    async fn status_after_refusal(&self, order: &OrderId) -> Result<ReservationStatus, StoreError> {
        match self.reservation(order).await? {
            Some(reservation) => Ok(reservation.status),
            // Reservations are never deleted, so it went missing between two requests.
            None => Err(StoreError::Conflict),
        }
    }

    /// Settles `reservation`, read as pending, in one transaction guarded by its status
    /// (and, for the sweeper, by its expiry at `expired_by`).
    async fn settle_pending(
        &self,
        reservation: &Reservation,
        settlement: Settlement,
        expired_by: Option<OffsetDateTime>,
    ) -> Result<SettleOutcome, StoreError> {
        let mut condition = "#status = :pending".to_owned();
        let mut values = attributes([
            (":pending", text(ReservationStatus::Pending.as_str())),
            (":settled", text(settlement.status().as_str())),
        ]);
        if let Some(now) = expired_by {
            condition.push_str(" AND expires_at <= :now");
            values.insert(":now".to_owned(), number(now.unix_timestamp()));
        }
        let mut writes = vec![update(
            &self.table,
            reservation_key(&reservation.order_id),
            "SET #status = :settled REMOVE pending",
            &condition,
            Names::from([("#status".to_owned(), STATUS.to_owned())]),
            values,
        )?];
        for line in &reservation.lines {
            writes.push(update(
                &self.table,
                stock_key(&line.sku),
                stock_change(settlement),
                "attribute_exists(pk) AND reserved >= :q",
                Names::new(),
                quantity(line.quantity),
            )?);
        }
        match self.transact(writes).await {
            Ok(()) => Ok(SettleOutcome::Applied),
            Err(Cancelled::Refused(positions)) if positions.contains(&0) => {
                match self.status_after_refusal(&reservation.order_id).await? {
                    ReservationStatus::Pending => Err(StoreError::Conflict),
                    settled => Ok(SettleOutcome::AlreadySettled(settled)),
                }
            }
            Err(Cancelled::Refused(positions)) => {
                let short: Vec<&str> = lines_at(reservation, &positions)
                    .map(|line| line.sku.as_str())
                    .collect();
                Err(StoreError::Corrupt(format!(
                    "SKUs {} have fewer units reserved than the pending reservation of order {}",
                    short.join(", "),
                    reservation.order_id
                )))
            }
            Err(Cancelled::Failed(error)) => Err(error),
        }
    }

    async fn settle(
        &self,
        order: &OrderId,
        settlement: Settlement,
    ) -> Result<SettleOutcome, InventoryError> {
        let Some(reservation) = self.reservation(order).await? else {
            return Ok(SettleOutcome::NotFound);
        };
        if reservation.status != ReservationStatus::Pending {
            return Ok(SettleOutcome::AlreadySettled(reservation.status));
        }
        Ok(self.settle_pending(&reservation, settlement, None).await?)
    }
}

#[async_trait]
impl InventoryStore for DynamoInventory {
    async fn set_on_hand(&self, sku: &Sku, on_hand: u32) -> Result<StockLevel, InventoryError> {
        retry_on_conflict(|| async {
            match self.stock_level(sku).await? {
                None => {
                    let first = StockLevel::initial(sku.clone(), on_hand);
                    self.create_stock(&first).await?;
                    Ok(first)
                }
                Some(current) => {
                    let next = current.with_on_hand(on_hand)?;
                    self.recount_stock(&current, &next).await?;
                    Ok(next)
                }
            }
        })
        .await
    }

    async fn stock_levels(&self, skus: &[Sku]) -> Result<Vec<StockLevel>, StoreError> {
        let unique: BTreeSet<Sku> = skus.iter().cloned().collect();
        let levels: Vec<Option<StockLevel>> = futures::stream::iter(unique)
            .map(|sku| async move { self.stock_level(&sku).await })
            .buffer_unordered(CONCURRENT_READS)
            .try_collect()
            .await?;
        Ok(levels.into_iter().flatten().collect())
    }

    async fn all_stock_levels(&self) -> Result<Vec<StockLevel>, StoreError> {
        self.scan(STOCK).await?.iter().map(read_level).collect()
    }

    async fn reserve(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let reservation = Reservation::pending(*order, lines, expires_at, now)?;
        // The reservation comes first: if it exists, that is the answer whatever the stock.
        let mut writes = vec![put(
            &self.table,
            reservation_item(&reservation)?,
            "attribute_not_exists(pk)",
            Item::new(),
        )?];
        for line in &reservation.lines {
            writes.push(update(
                &self.table,
                stock_key(&line.sku),
                "SET available = available - :q, reserved = reserved + :q",
                "attribute_exists(pk) AND available >= :q",
                Names::new(),
                quantity(line.quantity),
            )?);
        }
        match self.transact(writes).await {
            Ok(()) => Ok(ReserveOutcome::Reserved),
            Err(Cancelled::Refused(positions)) if positions.contains(&0) => Ok(
                ReserveOutcome::Existing(self.status_after_refusal(order).await?),
            ),
            Err(Cancelled::Refused(positions)) => Err(InventoryError::OutOfStock(
                lines_at(&reservation, &positions)
                    .map(|line| line.sku.clone())
                    .collect(),
            )),
            Err(Cancelled::Failed(error)) => Err(error.into()),
        }
    }

    async fn commit(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        self.settle(order, Settlement::Commit).await
    }

    async fn release(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        self.settle(order, Settlement::Release).await
    }

    async fn release_expired(&self, now: OffsetDateTime) -> Result<Vec<OrderId>, StoreError> {
        let mut released = Vec::new();
        let mut start_key = None;
        loop {
            // The index is eventually consistent: an item may be settled already, which
            // the guarded transaction finds out.
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(PENDING_BY_EXPIRY)
                .key_condition_expression("pending = :pending AND expires_at <= :now")
                .expression_attribute_values(":pending", text(ReservationStatus::Pending.as_str()))
                .expression_attribute_values(":now", number(now.unix_timestamp()))
                .set_exclusive_start_key(start_key)
                .send()
                .await
                .map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                let reservation = read_reservation(&item)?;
                if self
                    .settle_pending(&reservation, Settlement::Release, Some(now))
                    .await?
                    == SettleOutcome::Applied
                {
                    released.push(reservation.order_id);
                }
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start_key = Some(key),
                _ => return Ok(released),
            }
        }
    }

    async fn reservation(&self, order: &OrderId) -> Result<Option<Reservation>, StoreError> {
        get(&self.client, &self.table, reservation_key(order))
            .await?
            .map(|item| read_reservation(&item))
            .transpose()
    }

    async fn all_reservations(&self) -> Result<Vec<Reservation>, StoreError> {
        self.scan(RESERVATION)
            .await?
            .iter()
            .map(read_reservation)
            .collect()
    }

    async fn restock(
        &self,
        order: &OrderId,
        restock_id: &str,
        lines: &[StockLine],
    ) -> Result<SettleOutcome, InventoryError> {
        self.restock_order(order, restock_id, lines).await
    }

    async fn restocks(&self) -> Result<Vec<Restock>, StoreError> {
        let mut restocks = Vec::new();
        for item in self.scan(RESERVATION).await? {
            restocks.extend(read_restocks(&item)?);
        }
        Ok(restocks)
    }

    async fn set_low_stock_threshold(
        &self,
        sku: &Sku,
        threshold: Option<u32>,
    ) -> Result<StockLevel, InventoryError> {
        Ok(self.write_threshold(sku, threshold).await?)
    }
}
