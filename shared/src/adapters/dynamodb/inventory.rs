//! Stock and reservations in DynamoDB; the table design is in the [module docs](super).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use aws_sdk_dynamodb::Client;
use futures::{StreamExt, TryStreamExt};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::error::{unavailable, written_unless_conflict};
use super::item::{
    attributes, composite_key, get, number, read_number, read_text, text, Item, EXPIRES_AT, PK, SK,
};
use super::query::Listing;
use super::transaction::{delete, put, try_transact, update, Cancelled, Names};
use crate::application::metrics::{count, MetricsSink, RESERVATION_CONFLICTS, RESERVATION_RETRIES};
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::{
    first_shard, InventoryError, InventoryStore, Reservation, ReservationStatus, ReserveOutcome,
    Restock, SettleOutcome, Settlement, ShardLevel, ShardTake, ShardedStock, StockLevel, StockLine,
    MAX_RESERVATION_LINES, MAX_SHARDS,
};
use crate::domain::store::{retry_on_conflict, LostRace, StoreError};

const SKU_PREFIX: &str = "SKU#";
const ORDER_PREFIX: &str = "ORDER#";
/// The sort key of a SKU's stock item, shard 0; shard `n` is `STOCK#n`.
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
/// On shard 0: how many shards the stock is split over; absent means one.
const SHARDS: &str = "shards";
/// The prefix of a reservation's restock markers, `restock:<restock id>`, each holding
/// the restocked lines as JSON.
const RESTOCK_MARKER: &str = "restock:";
/// The prefix of a reservation's per-SKU restocked counters, `restocked:<sku>`.
const RESTOCKED: &str = "restocked:";

const STATUS: &str = "status";
const LINES: &str = "lines";
/// The shards a reservation took from, as JSON; absent on reservations from before
/// stock was sharded (every line from shard 0).
const TAKES: &str = "takes";
const CREATED_AT: &str = "created_at";
/// On a flash sale's hold: its units promised to nobody yet.
const PROMISABLE: &str = "promisable";
/// On an order that drew sale units from a hold: the hold's id.
const DRAWN_FROM: &str = "drawn_from";
/// Present, with the value `PENDING`, only on pending reservations: the partition key of
/// the sparse index of pending reservations by expiry.
const PENDING: &str = "pending";
const PENDING_BY_EXPIRY: &str = "pending_by_expiry";

/// How many times a reserve looks at the shards again when one it picked was emptied
/// between its read and its write. Each such refusal means other reservations took
/// those units, so the SKU is selling, not stuck: there is no point waiting (as
/// [`retry_on_conflict`] does for lost version races), only in looking again, and twice
/// the most shards lets a buyer look past every shard emptied under it.
const SHARD_LOOKS: usize = 2 * MAX_SHARDS as usize;

/// At most this many stock reads are in flight for one `stock_levels` call.
const CONCURRENT_READS: usize = 16;

/// [`InventoryStore`] on a DynamoDB table.
#[derive(Clone)]
pub struct DynamoInventory {
    client: Client,
    table: String,
    /// Where reservations' lost races and retries are counted, if anywhere.
    metrics: Option<Arc<dyn MetricsSink>>,
}

impl DynamoInventory {
    /// The stock and reservations kept in `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoInventory {
            client,
            table: table.into(),
            metrics: None,
        }
    }

    /// This store, counting its reservations' lost races and retries into `metrics`
    /// ([`RESERVATION_CONFLICTS`], [`RESERVATION_RETRIES`]).
    pub fn counting_into(self, metrics: Arc<dyn MetricsSink>) -> Self {
        DynamoInventory {
            metrics: Some(metrics),
            ..self
        }
    }

    fn count(&self, name: &'static str) {
        if let Some(metrics) = &self.metrics {
            metrics.increment(&count(name), 1);
        }
    }
}

fn shard_key(sku: &Sku, shard: u32) -> Item {
    let pk = format!("{SKU_PREFIX}{sku}");
    match shard {
        0 => composite_key(pk, STOCK),
        shard => composite_key(pk, &format!("{STOCK}#{shard}")),
    }
}

fn reservation_key(order: &OrderId) -> Item {
    composite_key(format!("{ORDER_PREFIX}{order}"), RESERVATION)
}

/// The item of one shard of `stock`; shard 0 also carries the SKU's own figures.
fn shard_item(stock: &ShardedStock, shard: &ShardLevel) -> Item {
    let mut item = shard_key(&stock.sku, shard.shard);
    for (name, value) in [
        (ON_HAND, shard.on_hand),
        (RESERVED, shard.reserved),
        (AVAILABLE, shard.available),
        (SOLD, shard.sold),
    ] {
        item.insert(name.to_owned(), number(value));
    }
    if shard.shard == 0 {
        item.insert(RECEIVED.to_owned(), number(stock.received));
        item.insert(SHARDS.to_owned(), number(stock.shards.len()));
        if let Some(threshold) = stock.low_stock_threshold {
            item.insert(LOW_STOCK_THRESHOLD.to_owned(), number(threshold));
        }
    }
    item
}

/// The shard index of a stock item's sort key.
fn shard_of(sk: &str) -> Option<u32> {
    match sk.strip_prefix(STOCK)? {
        "" => Some(0),
        index => index.strip_prefix('#')?.parse().ok(),
    }
}

/// The stock of `sku` from its shard items, in any order.
fn read_stock(sku: &Sku, items: &[Item]) -> Result<ShardedStock, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("stock of {sku}: {what}"));
    let mut shards = Vec::with_capacity(items.len());
    let mut base = None;
    for item in items {
        let sk = read_text(item, SK)?;
        let shard = shard_of(sk).ok_or_else(|| corrupt(format!("{sk} is not a shard")))?;
        if shard == 0 {
            base = Some(item);
        }
        shards.push(ShardLevel {
            shard,
            on_hand: read_number(item, ON_HAND)?,
            reserved: read_number(item, RESERVED)?,
            available: read_number(item, AVAILABLE)?,
            sold: read_number(item, SOLD)?,
        });
    }
    let base = base.ok_or_else(|| corrupt("no shard 0".to_owned()))?;
    shards.sort_by_key(|shard| shard.shard);
    let count: usize = match base.get(SHARDS) {
        Some(_) => read_number(base, SHARDS)?,
        None => 1,
    };
    let contiguous = shards
        .iter()
        .zip(0..)
        .all(|(shard, index)| shard.shard == index);
    if shards.len() != count || !contiguous {
        return Err(corrupt(format!(
            "{} shard items for {count} shards",
            shards.len()
        )));
    }
    Ok(ShardedStock {
        sku: sku.clone(),
        received: read_number(base, RECEIVED)?,
        low_stock_threshold: base
            .contains_key(LOW_STOCK_THRESHOLD)
            .then(|| read_number(base, LOW_STOCK_THRESHOLD))
            .transpose()?,
        shards,
    })
}

/// The SKU whose stock item this is.
fn sku_of(item: &Item) -> Result<Sku, StoreError> {
    let pk = read_text(item, PK)?;
    pk.strip_prefix(SKU_PREFIX)
        .and_then(|sku| Sku::parse(sku).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("item {pk}: not a stock key")))
}

/// The writes that turn `current` (none: a new SKU) into `next`, each conditional on
/// its item being as it was read: shards kept are updated, new ones created, dropped
/// ones deleted.
fn recount_writes(
    table: &str,
    current: Option<&ShardedStock>,
    next: &ShardedStock,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let was = |shard: u32| current.and_then(|stock| stock.shards.iter().find(|s| s.shard == shard));
    let unchanged = "on_hand = :was_on_hand AND reserved = :was_reserved AND sold = :was_sold";
    let as_read = |shard: &ShardLevel| {
        attributes([
            (":was_on_hand", number(shard.on_hand)),
            (":was_reserved", number(shard.reserved)),
            (":was_sold", number(shard.sold)),
        ])
    };
    let mut writes = Vec::with_capacity(next.shards.len());
    for shard in &next.shards {
        let Some(before) = was(shard.shard) else {
            writes.push(put(
                table,
                shard_item(next, shard),
                "attribute_not_exists(pk)",
                Item::new(),
            )?);
            continue;
        };
        let mut set = "SET on_hand = :on_hand, available = :available, sold = :sold".to_owned();
        let mut values = as_read(before);
        values.extend(attributes([
            (":on_hand", number(shard.on_hand)),
            (":available", number(shard.available)),
            (":sold", number(shard.sold)),
        ]));
        if shard.shard == 0 {
            set.push_str(&format!(", {RECEIVED} = :received, {SHARDS} = :shards"));
            values.insert(":received".to_owned(), number(next.received));
            values.insert(":shards".to_owned(), number(next.shards.len()));
        }
        writes.push(update(
            table,
            shard_key(&next.sku, shard.shard),
            &set,
            unchanged,
            Names::new(),
            values,
        )?);
    }
    let kept = next.shards.len();
    for dropped in current
        .into_iter()
        .flat_map(|stock| &stock.shards)
        .filter(|shard| usize::try_from(shard.shard).is_ok_and(|index| index >= kept))
    {
        writes.push(delete(
            table,
            shard_key(&next.sku, dropped.shard),
            unchanged,
            as_read(dropped),
        )?);
    }
    Ok(writes)
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
/// what the order committed); then the units move from `sold` back to `on_hand` and
/// `available` on the shards of `gives`.
fn restock_writes(
    table: &str,
    reservation: &Reservation,
    restock: &Restock,
    gives: &[ShardTake],
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
    for give in gives {
        writes.push(update(
            table,
            shard_key(&give.sku, give.shard),
            "SET on_hand = on_hand + :q, available = available + :q, sold = sold - :q",
            "attribute_exists(pk) AND sold >= :q",
            Names::new(),
            quantity(give.quantity),
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
    if !reservation.takes.is_empty() {
        let takes = serde_json::to_string(&reservation.takes)
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        item.insert(TAKES.to_owned(), text(takes));
    }
    item.insert(CREATED_AT.to_owned(), text(created_at));
    if let Some(promisable) = reservation.promisable {
        item.insert(PROMISABLE.to_owned(), number(promisable));
    }
    if let Some(hold) = reservation.drawn_from {
        item.insert(DRAWN_FROM.to_owned(), text(hold.to_string()));
    }
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
        takes: match item.get(TAKES) {
            Some(_) => serde_json::from_str(read_text(item, TAKES)?)
                .map_err(|error| corrupt(format!("{TAKES}: {error}")))?,
            None => Vec::new(),
        },
        status: ReservationStatus::parse(status)
            .ok_or_else(|| corrupt(format!("unknown {STATUS} {status:?}")))?,
        expires_at: OffsetDateTime::from_unix_timestamp(read_number(item, EXPIRES_AT)?)
            .map_err(|error| corrupt(format!("{EXPIRES_AT}: {error}")))?,
        created_at: OffsetDateTime::parse(read_text(item, CREATED_AT)?, &Rfc3339)
            .map_err(|error| corrupt(format!("{CREATED_AT}: {error}")))?,
        promisable: item
            .contains_key(PROMISABLE)
            .then(|| read_number(item, PROMISABLE))
            .transpose()?,
        drawn_from: item
            .contains_key(DRAWN_FROM)
            .then(|| {
                OrderId::parse(read_text(item, DRAWN_FROM)?)
                    .map_err(|error| corrupt(format!("{DRAWN_FROM}: {error}")))
            })
            .transpose()?,
    })
}

fn to_text(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(error.to_string()))
}

/// The condition that a pending hold's lines and takes are still as in `read`, and its
/// values; the hold changes only by draws and give-backs, which rewrite both.
fn hold_unchanged(read: &Reservation) -> Result<(String, Item), StoreError> {
    Ok((
        "#status = :pending AND #lines = :was_lines AND #takes = :was_takes".to_owned(),
        attributes([
            (":pending", text(ReservationStatus::Pending.as_str())),
            (":was_lines", text(to_text(&read.lines)?)),
            (":was_takes", text(to_text(&read.takes)?)),
        ]),
    ))
}

/// The write that turns the pending hold `before` into `after`: a give-back, when
/// `after` has more units promisable (added to the stored count, which promises may
/// have changed meanwhile), else a draw (the promisable units must still fit in what
/// is left).
fn hold_write(
    table: &str,
    before: &Reservation,
    after: &Reservation,
) -> Result<TransactWriteItem, StoreError> {
    let (mut condition, mut values) = hold_unchanged(before)?;
    values.insert(":lines".to_owned(), text(to_text(&after.lines)?));
    values.insert(":takes".to_owned(), text(to_text(&after.takes)?));
    let mut set = "SET #lines = :lines, #takes = :takes".to_owned();
    let back = after
        .promisable
        .unwrap_or(0)
        .saturating_sub(before.promisable.unwrap_or(0));
    match back {
        units @ 1.. => {
            set.push_str(", promisable = promisable + :back");
            values.insert(":back".to_owned(), number(units));
        }
        0 => {
            let left = after.lines.iter().map(|line| line.quantity).sum::<u32>();
            condition.push_str(" AND promisable <= :left");
            values.insert(":left".to_owned(), number(left));
        }
    }
    update(
        table,
        reservation_key(&before.order_id),
        &set,
        &condition,
        hold_names(),
        values,
    )
}

/// The names of a hold's conditions and changes, which DynamoDB reserves.
fn hold_names() -> Names {
    Names::from([
        ("#status".to_owned(), STATUS.to_owned()),
        ("#lines".to_owned(), LINES.to_owned()),
        ("#takes".to_owned(), TAKES.to_owned()),
    ])
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

/// The SKUs of `takes` at the `positions` of a transaction whose first write is the
/// reservation's own, each once.
fn skus_at(takes: &[ShardTake], positions: &[usize]) -> Vec<Sku> {
    let mut skus: Vec<Sku> = Vec::new();
    for take in positions
        .iter()
        .filter_map(|position| position.checked_sub(1))
        .filter_map(|take| takes.get(take))
    {
        if !skus.contains(&take.sku) {
            skus.push(take.sku.clone());
        }
    }
    skus
}

impl DynamoInventory {
    /// Restocks `lines` of `order` under `restock_id` as [`InventoryStore::restock`]
    /// says: decided on the reservation and the stock as read, written under conditions
    /// that hold only while they are still so; decided again when a concurrent change
    /// got there first.
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
            let mut gives = Vec::new();
            for line in &restock.lines {
                let give = self
                    .load_stock(&line.sku)
                    .await?
                    .and_then(|stock| stock.give_back(line.quantity, first_shard(order)));
                match give {
                    Some(give) => gives.extend(give),
                    None => return Err(self.sold_too_few(&item, &line.sku, order).await.into()),
                }
            }
            match self
                .transact(restock_writes(&self.table, &reservation, &restock, &gives)?)
                .await
            {
                Ok(()) => Ok(SettleOutcome::Applied),
                // The reservation or a shard changed since they were read: decide again.
                Err(Cancelled::Refused(_)) => Err(StoreError::Conflict.into()),
                Err(Cancelled::Failed(error)) => Err(error.into()),
            }
        })
        .await
    }

    /// Why `sku` has fewer units sold than `order` gives back: another restock of the
    /// order came in since its reservation was read as `read` (a conflict: decide
    /// again), or else the store is corrupt.
    async fn sold_too_few(&self, read: &Item, sku: &Sku, order: &OrderId) -> StoreError {
        match get(&self.client, &self.table, reservation_key(order)).await {
            Ok(Some(now)) if now != *read => StoreError::Conflict,
            Ok(_) => StoreError::Corrupt(format!(
                "SKU {sku} has fewer units sold than committed order {order} gives back"
            )),
            Err(error) => error,
        }
    }

    /// Sets or removes the SKU's threshold in one UpdateItem on shard 0 that also
    /// creates it, all counters zero and one shard, if there is none.
    async fn write_threshold(
        &self,
        sku: &Sku,
        threshold: Option<u32>,
    ) -> Result<StockLevel, StoreError> {
        let mut update_expression = [ON_HAND, RESERVED, AVAILABLE, SOLD, RECEIVED]
            .map(|counter| format!("{counter} = if_not_exists({counter}, :zero)"))
            .join(", ");
        update_expression.push_str(&format!(", {SHARDS} = if_not_exists({SHARDS}, :one)"));
        let mut values = attributes([(":zero", number(0)), (":one", number(1))]);
        match threshold {
            Some(threshold) => {
                update_expression.push_str(&format!(", {LOW_STOCK_THRESHOLD} = :threshold"));
                values.insert(":threshold".to_owned(), number(threshold));
            }
            None => update_expression.push_str(&format!(" REMOVE {LOW_STOCK_THRESHOLD}")),
        }
        let update_expression = format!("SET {update_expression}");
        retry_on_conflict(|| async {
            // A transaction was writing the stock item: the update can simply go again.
            written_unless_conflict(
                self.client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(shard_key(sku, 0)))
                    .update_expression(&update_expression)
                    .set_expression_attribute_values(Some(values.clone()))
                    .send()
                    .await,
            )
        })
        .await?;
        self.load_stock(sku)
            .await?
            .map(|stock| stock.level())
            .ok_or_else(|| {
                StoreError::Corrupt(format!("the stock of {sku} vanished as it was written"))
            })
    }

    /// The SKU's stock: every shard item in one strongly consistent Query.
    async fn load_stock(&self, sku: &Sku) -> Result<Option<ShardedStock>, StoreError> {
        let items = Listing {
            table: &self.table,
            index: None,
            key_condition: "pk = :pk AND begins_with(sk, :stock)",
            names: Names::new(),
            values: attributes([
                (":pk", text(format!("{SKU_PREFIX}{sku}"))),
                (":stock", text(STOCK)),
            ]),
            forward: true,
            start_key: None,
        }
        .read(&self.client, MAX_SHARDS as usize)
        .await?;
        if items.is_empty() {
            return Ok(None);
        }
        read_stock(sku, &items).map(Some)
    }

    /// Every item whose sort key `filter` accepts (`:sk` bound to `sk`): a full scan,
    /// for audits only.
    async fn scan(&self, filter: &str, sk: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start_key = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression(filter)
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

    /// Sends `writes`, again while another transaction is writing one of its items.
    async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), Cancelled> {
        retry_on_conflict(|| try_transact(&self.client, writes.clone())).await
    }

    /// [`Self::transact`] for a reservation's writes, counting each collision with
    /// another transaction as a conflict and each attempt after one as a retry.
    async fn transact_reservation(&self, writes: Vec<TransactWriteItem>) -> Result<(), Cancelled> {
        let mut attempts = 0;
        retry_on_conflict(|| {
            attempts += 1;
            if attempts > 1 {
                self.count(RESERVATION_RETRIES);
            }
            let writes = writes.clone();
            async move {
                let sent = try_transact(&self.client, writes).await;
                if sent.as_ref().is_err_and(LostRace::lost_race) {
                    self.count(RESERVATION_CONFLICTS);
                }
                sent
            }
        })
        .await
    }

    /// The status of a reservation whose existence just refused a write.
    async fn status_after_refusal(&self, order: &OrderId) -> Result<ReservationStatus, StoreError> {
        match self.reservation(order).await? {
            Some(reservation) => Ok(reservation.status),
            // Reservations are never deleted, so it went missing between two requests.
            None => Err(StoreError::Conflict),
        }
    }

    /// Reserves `pending`'s lines on the shards the stock as read now offers, in one
    /// transaction with the reservation's creation; `None` when a shard it picked was
    /// emptied since it was read.
    async fn reserve_once(
        &self,
        pending: &Reservation,
        hold: Option<&OrderId>,
    ) -> Result<Option<ReserveOutcome>, InventoryError> {
        let first = first_shard(&pending.order_id);
        let mut reservation = pending.clone();
        let mut drawing = None;
        if let Some(hold_id) = hold {
            let drawn = self
                .reservation(hold_id)
                .await?
                .filter(|hold| hold.status == ReservationStatus::Pending)
                .and_then(|hold| {
                    let sku = hold.held_sku()?.clone();
                    let (after, moved) = hold.drawn(&sku, pending.units_of(&sku))?;
                    Some((hold_write(&self.table, &hold, &after), sku, moved))
                });
            let Some((write, sku, moved)) = drawn else {
                return match self.reservation(&pending.order_id).await? {
                    Some(existing) => Ok(Some(ReserveOutcome::Existing(existing.status))),
                    None => Err(InventoryError::HoldUnavailable),
                };
            };
            reservation.takes.extend(moved);
            reservation.drawn_from = Some(*hold_id);
            drawing = Some((write?, sku));
        }
        let drawn_sku = drawing.as_ref().map(|(_, sku)| sku.clone());
        let mut short = Vec::new();
        for line in pending
            .lines
            .iter()
            .filter(|line| Some(&line.sku) != drawn_sku.as_ref())
        {
            match self
                .load_stock(&line.sku)
                .await?
                .and_then(|stock| stock.take(line.quantity, first))
            {
                Some(takes) => reservation.takes.extend(takes),
                None => short.push(line.sku.clone()),
            }
        }
        if !short.is_empty() {
            // A retried reserve finds its reservation whatever the stock is now.
            return match self.reservation(&pending.order_id).await? {
                Some(existing) => Ok(Some(ReserveOutcome::Existing(existing.status))),
                None => Err(InventoryError::OutOfStock(short)),
            };
        }
        if reservation.takes.len() > MAX_RESERVATION_LINES {
            return Err(InventoryError::TooManyLines);
        }
        let from_stock: Vec<ShardTake> = reservation
            .takes
            .iter()
            .filter(|take| Some(&take.sku) != drawn_sku.as_ref())
            .cloned()
            .collect();
        // The reservation comes first: if it exists, that is the answer whatever the stock.
        let mut writes = vec![put(
            &self.table,
            reservation_item(&reservation)?,
            "attribute_not_exists(pk)",
            Item::new(),
        )?];
        for take in &from_stock {
            writes.push(update(
                &self.table,
                shard_key(&take.sku, take.shard),
                "SET available = available - :q, reserved = reserved + :q",
                "attribute_exists(pk) AND available >= :q",
                Names::new(),
                quantity(take.quantity),
            )?);
        }
        // The hold comes last, so that the positions of the shards' writes are theirs.
        writes.extend(drawing.map(|(write, _)| write));
        match self.transact_reservation(writes).await {
            Ok(()) => Ok(Some(ReserveOutcome::Reserved)),
            Err(Cancelled::Refused(positions)) if positions.contains(&0) => Ok(Some(
                ReserveOutcome::Existing(self.status_after_refusal(&pending.order_id).await?),
            )),
            Err(Cancelled::Refused(positions)) => {
                tracing::debug!(order_id = %pending.order_id, skus = ?skus_at(&from_stock, &positions), "shards or hold changed meanwhile; reading them again");
                self.count(RESERVATION_CONFLICTS);
                Ok(None)
            }
            Err(Cancelled::Failed(error)) => Err(error.into()),
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
        let (mut condition, mut values) = if reservation.is_hold() {
            hold_unchanged(reservation)?
        } else {
            (
                "#status = :pending".to_owned(),
                attributes([(":pending", text(ReservationStatus::Pending.as_str()))]),
            )
        };
        values.insert(":settled".to_owned(), text(settlement.status().as_str()));
        if let Some(now) = expired_by {
            condition.push_str(" AND expires_at <= :now");
            values.insert(":now".to_owned(), number(now.unix_timestamp()));
        }
        let mut writes = vec![update(
            &self.table,
            reservation_key(&reservation.order_id),
            "SET #status = :settled REMOVE pending",
            &condition,
            if reservation.is_hold() {
                hold_names()
            } else {
                Names::from([("#status".to_owned(), STATUS.to_owned())])
            },
            values,
        )?];
        let (takes, give_back) = match (settlement, reservation.drawn_from) {
            (Settlement::Release, Some(hold)) => self.give_back_to(&hold, reservation).await?,
            _ => (reservation.shard_takes(), None),
        };
        for take in &takes {
            writes.push(update(
                &self.table,
                shard_key(&take.sku, take.shard),
                stock_change(settlement),
                "attribute_exists(pk) AND reserved >= :q",
                Names::new(),
                quantity(take.quantity),
            )?);
        }
        let hold_position = writes.len();
        writes.extend(give_back);
        match self.transact(writes).await {
            Ok(()) => Ok(SettleOutcome::Applied),
            Err(Cancelled::Refused(positions)) if positions.contains(&0) => {
                match self.status_after_refusal(&reservation.order_id).await? {
                    ReservationStatus::Pending => Err(StoreError::Conflict),
                    settled => Ok(SettleOutcome::AlreadySettled(settled)),
                }
            }
            // The hold changed since it was read: settle again.
            Err(Cancelled::Refused(positions)) if positions.contains(&hold_position) => {
                Err(StoreError::Conflict)
            }
            Err(Cancelled::Refused(positions)) => Err(StoreError::Corrupt(format!(
                "SKUs {} have fewer units reserved than the pending reservation of order {}",
                skus_at(&takes, &positions)
                    .iter()
                    .map(Sku::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
                reservation.order_id
            ))),
            Err(Cancelled::Failed(error)) => Err(error),
        }
    }

    /// Where a released order's drawn units go: the takes to release to stock, and the
    /// write giving the rest back to `hold` while it is pending.
    async fn give_back_to(
        &self,
        hold: &OrderId,
        drawn: &Reservation,
    ) -> Result<(Vec<ShardTake>, Option<TransactWriteItem>), StoreError> {
        let hold = self.reservation(hold).await?;
        let (rest, after) = drawn.released_into(hold.as_ref());
        let write = match (hold, after) {
            (Some(hold), Some(after)) => Some(hold_write(&self.table, &hold, &after)?),
            _ => None,
        };
        Ok((rest, write))
    }

    /// Settles the pending reservation of `order`, read again after a lost race (a hold
    /// changing under it).
    async fn settle(
        &self,
        order: &OrderId,
        settlement: Settlement,
        expired_by: Option<OffsetDateTime>,
    ) -> Result<SettleOutcome, StoreError> {
        retry_on_conflict(|| async {
            let Some(reservation) = self.reservation(order).await? else {
                return Ok(SettleOutcome::NotFound);
            };
            if reservation.status != ReservationStatus::Pending {
                return Ok(SettleOutcome::AlreadySettled(reservation.status));
            }
            self.settle_pending(&reservation, settlement, expired_by)
                .await
        })
        .await
    }

    /// Adds `units` to the promisable units of the pending hold `hold` (negative:
    /// promises them, where it has that many), in one UpdateItem; whether it did.
    async fn change_promisable(&self, hold: &OrderId, units: i64) -> Result<bool, StoreError> {
        let mut condition = "#status = :pending AND attribute_exists(promisable)".to_owned();
        let mut values = attributes([
            (":pending", text(ReservationStatus::Pending.as_str())),
            (":change", number(units)),
        ]);
        if units < 0 {
            condition.push_str(" AND promisable >= :most");
            values.insert(":most".to_owned(), number(units.unsigned_abs()));
        }
        retry_on_conflict(|| async {
            written_unless_conflict(
                self.client
                    .update_item()
                    .table_name(&self.table)
                    .set_key(Some(reservation_key(hold)))
                    .update_expression("SET promisable = promisable + :change")
                    .condition_expression(&condition)
                    .expression_attribute_names("#status", STATUS)
                    .set_expression_attribute_values(Some(values.clone()))
                    .send()
                    .await,
            )
        })
        .await
    }

    /// Reserves `pending`, drawing from `hold` if there is one, looking at the shards
    /// (and the hold) again when they changed under it.
    async fn reserve_new(
        &self,
        pending: &Reservation,
        hold: Option<&OrderId>,
    ) -> Result<ReserveOutcome, InventoryError> {
        for look in 0..SHARD_LOOKS {
            if look > 0 {
                self.count(RESERVATION_RETRIES);
            }
            if let Some(outcome) = self.reserve_once(pending, hold).await? {
                return Ok(outcome);
            }
        }
        Err(StoreError::Conflict.into())
    }
}

#[async_trait]
impl InventoryStore for DynamoInventory {
    async fn set_stock(
        &self,
        sku: &Sku,
        on_hand: u32,
        shards: Option<u32>,
    ) -> Result<StockLevel, InventoryError> {
        retry_on_conflict(|| async {
            let current = self.load_stock(sku).await?;
            let next = match &current {
                None => ShardedStock::initial(sku.clone(), on_hand, shards.unwrap_or(1))?,
                Some(current) => current.recounted(on_hand, shards)?,
            };
            match self
                .transact(recount_writes(&self.table, current.as_ref(), &next)?)
                .await
            {
                Ok(()) => Ok(next.level()),
                // A shard changed since it was read: read them again and recount.
                Err(Cancelled::Refused(_)) => Err(StoreError::Conflict.into()),
                Err(Cancelled::Failed(error)) => Err(error.into()),
            }
        })
        .await
    }

    async fn sharded_stock(&self, sku: &Sku) -> Result<Option<ShardedStock>, StoreError> {
        self.load_stock(sku).await
    }

    async fn stock_levels(&self, skus: &[Sku]) -> Result<Vec<StockLevel>, StoreError> {
        let unique: BTreeSet<Sku> = skus.iter().cloned().collect();
        let levels: Vec<Option<ShardedStock>> = futures::stream::iter(unique)
            .map(|sku| async move { self.load_stock(&sku).await })
            .buffer_unordered(CONCURRENT_READS)
            .try_collect()
            .await?;
        Ok(levels.iter().flatten().map(ShardedStock::level).collect())
    }

    async fn all_stock_levels(&self) -> Result<Vec<StockLevel>, StoreError> {
        let mut by_sku: BTreeMap<Sku, Vec<Item>> = BTreeMap::new();
        for item in self.scan("begins_with(sk, :sk)", STOCK).await? {
            by_sku.entry(sku_of(&item)?).or_default().push(item);
        }
        by_sku
            .iter()
            .map(|(sku, items)| read_stock(sku, items).map(|stock| stock.level()))
            .collect()
    }

    async fn reserve(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let pending = Reservation::pending(*order, lines, expires_at, now)?;
        self.reserve_new(&pending, None).await
    }

    async fn set_aside(
        &self,
        hold: &OrderId,
        line: &StockLine,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let pending = Reservation::hold(*hold, line, expires_at, now)?;
        self.reserve_new(&pending, None).await
    }

    async fn promise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError> {
        self.change_promisable(hold, -i64::from(units)).await
    }

    async fn unpromise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError> {
        self.change_promisable(hold, i64::from(units)).await
    }

    async fn reserve_drawing(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        hold: &OrderId,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let pending = Reservation::pending(*order, lines, expires_at, now)?;
        self.reserve_new(&pending, Some(hold)).await
    }

    async fn commit(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        Ok(self.settle(order, Settlement::Commit, None).await?)
    }

    async fn release(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        Ok(self.settle(order, Settlement::Release, None).await?)
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
                // Read again: a hold's lines change while it is pending.
                let order = read_reservation(&item)?.order_id;
                if self.settle(&order, Settlement::Release, Some(now)).await?
                    == SettleOutcome::Applied
                {
                    released.push(order);
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
        self.scan("sk = :sk", RESERVATION)
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
        for item in self.scan("sk = :sk", RESERVATION).await? {
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
