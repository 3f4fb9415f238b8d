//! What every [`InventoryStore`] must do, and [`check_invariants`], which any test can
//! run after a storm of checkouts.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use mambogo::domain::ids::{OrderId, Sku};
use mambogo::domain::inventory::{
    InventoryError, InventoryStore, Reservation, ReservationStatus, ReserveOutcome, Restock,
    SettleOutcome, ShardTake, StockLevel, StockLine, MAX_RESERVATION_LINES,
};
use time::Duration;
use uuid::Uuid;

use super::NOW;

pub(super) const TTL: Duration = Duration::minutes(15);
/// Rounds of the race between a commit and the sweeper.
const RACE_ROUNDS: u32 = 20;
/// The flash sale: this many units of a SKU per round…
const STORM_STOCK: u32 = 50;
/// …and this many buyers of one unit each, all at once…
const STORM_BUYERS: usize = 200;
/// …this many times.
const STORM_ROUNDS: usize = 20;
/// The shards of the hot SKU in the sharded storm…
const STORM_SHARDS: u32 = 16;
/// …which runs fewer rounds: its reserves read before they write, and moto is slow.
const SHARDED_STORM_ROUNDS: usize = 5;
/// Restocks of one order sent at once.
const CONCURRENT_RESTOCKS: usize = 10;

/// Checks the inventory invariant over everything `store` holds, for every SKU:
/// `available ≥ 0`, `reserved ≥ 0`, `available = on_hand − reserved`,
/// `reserved = Σ PENDING quantities`, `sold = Σ COMMITTED quantities − Σ restocked
/// quantities` and `sold ≤ received`; that no reservation holds a SKU without a stock
/// record; and that only committed orders were restocked, never with more units of a
/// SKU than they committed; that a flash sale's hold promises no more units than it
/// holds. Returns every broken promise.
pub async fn check_invariants(store: &dyn InventoryStore) -> Result<(), Vec<String>> {
    let levels = store
        .all_stock_levels()
        .await
        .map_err(|error| vec![format!("cannot read the stock levels: {error}")])?;
    let reservations = store
        .all_reservations()
        .await
        .map_err(|error| vec![format!("cannot read the reservations: {error}")])?;
    let restocks = store
        .restocks()
        .await
        .map_err(|error| vec![format!("cannot read the restocks: {error}")])?;
    let mut broken = restocks_within_commits(&reservations, &restocks);
    broken.extend(holds_promise_what_they_hold(&reservations));
    broken.extend(shards_hold_their_takes(store, &levels, &reservations).await);
    let mut pending: HashMap<Sku, i64> = HashMap::new();
    let mut committed: HashMap<Sku, i64> = HashMap::new();
    for reservation in &reservations {
        let totals = match reservation.status {
            ReservationStatus::Pending => &mut pending,
            ReservationStatus::Committed => &mut committed,
            ReservationStatus::Released => continue,
        };
        for line in &reservation.lines {
            *totals.entry(line.sku.clone()).or_default() += i64::from(line.quantity);
        }
    }
    // Restocked units were committed, then came back: they are no longer sold.
    for line in restocks.iter().flat_map(|restock| &restock.lines) {
        *committed.entry(line.sku.clone()).or_default() -= i64::from(line.quantity);
    }
    for level in &levels {
        let sku = &level.sku;
        if level.available < 0 {
            broken.push(format!("{sku}: available {} < 0", level.available));
        }
        if level.reserved < 0 {
            broken.push(format!("{sku}: reserved {} < 0", level.reserved));
        }
        if level.available != level.on_hand - level.reserved {
            broken.push(format!(
                "{sku}: available {} != on hand {} - reserved {}",
                level.available, level.on_hand, level.reserved
            ));
        }
        let pending_units = pending.remove(sku).unwrap_or(0);
        if level.reserved != pending_units {
            broken.push(format!(
                "{sku}: reserved {} != {pending_units} units of pending reservations",
                level.reserved
            ));
        }
        let committed_units = committed.remove(sku).unwrap_or(0);
        if level.sold != committed_units {
            broken.push(format!(
                "{sku}: sold {} != {committed_units} units of committed reservations \
                 less restocks",
                level.sold
            ));
        }
        if level.sold > level.received {
            broken.push(format!(
                "{sku}: sold {} > received {}",
                level.sold, level.received
            ));
        }
    }
    for (status, orphans) in [("pending", pending), ("committed", committed)] {
        for (sku, units) in orphans.into_iter().filter(|(_, units)| *units > 0) {
            broken.push(format!(
                "{sku}: {units} units of {status} reservations but no stock record"
            ));
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(broken)
    }
}

/// Per shard of every SKU: `available ≥ 0`, `available = on_hand − reserved` and
/// `reserved = Σ` the pending reservations' takes from it; the broken promises.
async fn shards_hold_their_takes(
    store: &dyn InventoryStore,
    levels: &[StockLevel],
    reservations: &[Reservation],
) -> Vec<String> {
    let mut taken: HashMap<(Sku, u32), i64> = HashMap::new();
    for reservation in reservations
        .iter()
        .filter(|reservation| reservation.status == ReservationStatus::Pending)
    {
        for take in reservation.shard_takes() {
            *taken.entry((take.sku, take.shard)).or_default() += i64::from(take.quantity);
        }
    }
    let mut broken = Vec::new();
    for level in levels {
        let sku = &level.sku;
        let stock = match store.sharded_stock(sku).await {
            Ok(Some(stock)) => stock,
            other => {
                broken.push(format!("{sku}: its shards cannot be read: {other:?}"));
                continue;
            }
        };
        if stock.level() != *level {
            broken.push(format!(
                "{sku}: the shards sum to {:?}, the level is {level:?}",
                stock.level()
            ));
        }
        for shard in &stock.shards {
            let n = shard.shard;
            if shard.available < 0 || shard.available != shard.on_hand - shard.reserved {
                broken.push(format!("{sku} shard {n}: {shard:?}"));
            }
            let pending = taken.remove(&(sku.clone(), n)).unwrap_or(0);
            if shard.reserved != pending {
                broken.push(format!(
                    "{sku} shard {n}: reserved {} != {pending} units pending there",
                    shard.reserved
                ));
            }
        }
    }
    for ((sku, shard), units) in taken.into_iter().filter(|(_, units)| *units > 0) {
        broken.push(format!(
            "{sku}: {units} pending units taken from shard {shard}, which it does not have"
        ));
    }
    broken
}

/// Every restock is of a committed reservation, and no order got more units of a SKU
/// back than it committed; the broken promises.
fn restocks_within_commits(reservations: &[Reservation], restocks: &[Restock]) -> Vec<String> {
    let by_order: HashMap<OrderId, &Reservation> = reservations
        .iter()
        .map(|reservation| (reservation.order_id, reservation))
        .collect();
    let mut restocked: HashMap<(OrderId, Sku), u32> = HashMap::new();
    let mut broken = Vec::new();
    for restock in restocks {
        let order = restock.order_id;
        match by_order.get(&order) {
            Some(reservation) if reservation.status == ReservationStatus::Committed => {}
            Some(reservation) => broken.push(format!(
                "order {order}: restock {} of a {:?} reservation",
                restock.restock_id, reservation.status
            )),
            None => broken.push(format!(
                "order {order}: restock {} without a reservation",
                restock.restock_id
            )),
        }
        for line in &restock.lines {
            *restocked.entry((order, line.sku.clone())).or_default() += line.quantity;
        }
    }
    for ((order, sku), units) in restocked {
        let committed = by_order
            .get(&order)
            .map_or(0, |reservation| reservation.units_of(&sku));
        if units > committed {
            broken.push(format!(
                "order {order}: {units} units of {sku} restocked, {committed} committed"
            ));
        }
    }
    broken
}

/// Every pending hold promises no more units than it holds, and every drawn order names
/// a hold.
fn holds_promise_what_they_hold(reservations: &[Reservation]) -> Vec<String> {
    let holds: HashMap<OrderId, &Reservation> = reservations
        .iter()
        .filter(|reservation| reservation.is_hold())
        .map(|hold| (hold.order_id, hold))
        .collect();
    let mut broken = Vec::new();
    for hold in holds.values() {
        let held: u32 = hold.lines.iter().map(|line| line.quantity).sum();
        let promisable = hold.promisable.unwrap_or(0);
        if hold.status == ReservationStatus::Pending && promisable > held {
            broken.push(format!(
                "hold {}: {promisable} units promisable of {held} held",
                hold.order_id
            ));
        }
    }
    for drawn in reservations
        .iter()
        .filter(|reservation| reservation.drawn_from.is_some())
    {
        if drawn
            .drawn_from
            .is_some_and(|hold| !holds.contains_key(&hold))
        {
            broken.push(format!("order {} drew from no hold", drawn.order_id));
        }
    }
    broken
}

pub(super) async fn assert_invariants(store: &dyn InventoryStore) {
    if let Err(broken) = check_invariants(store).await {
        panic!("the inventory invariant is broken:\n{}", broken.join("\n"));
    }
}

pub(super) fn sku(raw: &str) -> Sku {
    Sku::parse(raw).expect("a valid SKU")
}

pub(super) fn line(sku: &Sku, quantity: u32) -> StockLine {
    StockLine {
        sku: sku.clone(),
        quantity,
    }
}

pub(super) fn new_order() -> OrderId {
    OrderId::from_uuid(Uuid::new_v4())
}

/// The counters of a SKU with `available = on_hand − reserved`.
pub(super) fn counters(
    sku: &Sku,
    on_hand: i64,
    reserved: i64,
    sold: i64,
    received: i64,
) -> StockLevel {
    StockLevel {
        sku: sku.clone(),
        on_hand,
        reserved,
        available: on_hand - reserved,
        sold,
        received,
        low_stock_threshold: None,
        shards: 1,
    }
}

async fn set(store: &dyn InventoryStore, sku: &Sku, on_hand: u32) -> StockLevel {
    store
        .set_on_hand(sku, on_hand)
        .await
        .unwrap_or_else(|error| panic!("setting {on_hand} units of {sku} on hand: {error}"))
}

pub(super) async fn level(store: &dyn InventoryStore, sku: &Sku) -> Option<StockLevel> {
    let mut levels = store
        .stock_levels(std::slice::from_ref(sku))
        .await
        .expect("reading a stock level");
    assert!(levels.len() <= 1, "one SKU, several levels: {levels:?}");
    levels.pop()
}

pub(super) async fn reservation(
    store: &dyn InventoryStore,
    order: &OrderId,
) -> Option<Reservation> {
    store
        .reservation(order)
        .await
        .expect("reading a reservation")
}

async fn status(store: &dyn InventoryStore, order: &OrderId) -> Option<ReservationStatus> {
    reservation(store, order)
        .await
        .map(|reservation| reservation.status)
}

/// Reserves `lines` for `order` at [`NOW`], for [`TTL`].
async fn reserve(
    store: &dyn InventoryStore,
    order: &OrderId,
    lines: &[StockLine],
) -> Result<ReserveOutcome, InventoryError> {
    store.reserve(order, lines, NOW + TTL, NOW).await
}

async fn reserved(store: &dyn InventoryStore, order: &OrderId, lines: &[StockLine]) {
    assert_eq!(
        reserve(store, order, lines).await,
        Ok(ReserveOutcome::Reserved),
        "reserving {lines:?}"
    );
}

fn by_sku(mut levels: Vec<StockLevel>) -> Vec<StockLevel> {
    levels.sort_by(|a, b| a.sku.cmp(&b.sku));
    levels
}

/// Stock set on a new SKU reads back; unknown SKUs are simply absent.
pub async fn check_stock_is_set_and_read(store: Arc<dyn InventoryStore>) {
    let (a, b) = (sku("A-1"), sku("B-1"));
    assert_eq!(set(&*store, &a, 10).await, counters(&a, 10, 0, 0, 10));
    assert_eq!(set(&*store, &b, 0).await, counters(&b, 0, 0, 0, 0));

    let asked = [b.clone(), sku("MISSING"), a.clone(), b.clone()];
    let levels = store.stock_levels(&asked).await.expect("reading levels");
    let expected = vec![counters(&a, 10, 0, 0, 10), counters(&b, 0, 0, 0, 0)];
    assert_eq!(by_sku(levels), expected);
    assert_eq!(store.stock_levels(&[]).await, Ok(vec![]));
    let all = store.all_stock_levels().await.expect("reading all levels");
    assert_eq!(by_sku(all), expected);
    assert_invariants(&*store).await;
}

/// On hand goes up and down with `available` following; only increases are received.
pub async fn check_on_hand_is_raised_and_lowered(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    set(&*store, &a, 10).await;
    reserved(&*store, &new_order(), &[line(&a, 4)]).await;
    assert_eq!(set(&*store, &a, 15).await, counters(&a, 15, 4, 0, 15));
    assert_eq!(set(&*store, &a, 8).await, counters(&a, 8, 4, 0, 15));
    assert_eq!(set(&*store, &a, 4).await, counters(&a, 4, 4, 0, 15));
    assert_eq!(set(&*store, &a, 12).await, counters(&a, 12, 4, 0, 23));
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 12, 4, 0, 23)));
    assert_invariants(&*store).await;
}

/// On hand cannot be counted below what is reserved; the refusal changes nothing.
pub async fn check_on_hand_cannot_go_below_reserved(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    set(&*store, &a, 10).await;
    reserved(&*store, &new_order(), &[line(&a, 4)]).await;
    assert_eq!(
        store.set_on_hand(&a, 3).await,
        Err(InventoryError::BelowReserved {
            sku: a.clone(),
            reserved: 4
        })
    );
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 10, 4, 0, 10)));
    assert_invariants(&*store).await;
}

/// A reserve takes every line or none; a refusal names every short SKU, including one
/// without a stock record, and changes nothing.
pub async fn check_reserve_is_all_or_nothing(store: Arc<dyn InventoryStore>) {
    let (a, b, missing) = (sku("A-1"), sku("B-1"), sku("C-MISSING"));
    set(&*store, &a, 5).await;
    set(&*store, &b, 2).await;
    let order = new_order();

    let too_much = [line(&a, 3), line(&b, 3), line(&missing, 1)];
    assert_eq!(
        reserve(&*store, &order, &too_much).await,
        Err(InventoryError::OutOfStock(vec![b.clone(), missing.clone()]))
    );
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 5, 0, 0, 5)));
    assert_eq!(level(&*store, &b).await, Some(counters(&b, 2, 0, 0, 2)));
    assert_eq!(level(&*store, &missing).await, None);
    assert_eq!(reservation(&*store, &order).await, None);

    let fitting = [line(&a, 3), line(&b, 2)];
    reserved(&*store, &order, &fitting).await;
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 5, 3, 0, 5)));
    assert_eq!(level(&*store, &b).await, Some(counters(&b, 2, 2, 0, 2)));
    assert_eq!(
        reservation(&*store, &order).await,
        Some(Reservation {
            order_id: order,
            lines: fitting.to_vec(),
            takes: vec![
                ShardTake {
                    sku: a.clone(),
                    shard: 0,
                    quantity: 3
                },
                ShardTake {
                    sku: b.clone(),
                    shard: 0,
                    quantity: 2
                },
            ],
            status: ReservationStatus::Pending,
            expires_at: NOW + TTL,
            created_at: NOW,
            promisable: None,
            drawn_from: None,
        })
    );

    let other = new_order();
    assert_eq!(
        reserve(&*store, &other, &[line(&a, 3)]).await,
        Err(InventoryError::OutOfStock(vec![a.clone()]))
    );
    assert_eq!(reservation(&*store, &other).await, None);
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 5, 3, 0, 5)));
    let all = store
        .all_reservations()
        .await
        .expect("reading reservations");
    assert_eq!(all.len(), 1, "reservations: {all:?}");
    assert_invariants(&*store).await;
}

/// A retried reserve finds the first reservation, whatever lines it asks for, and
/// changes nothing.
pub async fn check_retried_reserve_counts_once(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    set(&*store, &a, 10).await;
    let order = new_order();
    reserved(&*store, &order, &[line(&a, 3)]).await;
    for retry in [
        vec![line(&a, 3)],
        vec![line(&a, 5)],
        vec![line(&sku("NO-STOCK"), 1)],
    ] {
        assert_eq!(
            reserve(&*store, &order, &retry).await,
            Ok(ReserveOutcome::Existing(ReservationStatus::Pending)),
            "retrying with {retry:?}"
        );
    }
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 10, 3, 0, 10)));
    let first = reservation(&*store, &order).await.expect("the reservation");
    assert_eq!(first.lines, vec![line(&a, 3)]);

    assert_eq!(store.commit(&order).await, Ok(SettleOutcome::Applied));
    assert_eq!(
        reserve(&*store, &order, &[line(&a, 3)]).await,
        Ok(ReserveOutcome::Existing(ReservationStatus::Committed))
    );
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 7, 0, 3, 10)));
    assert_invariants(&*store).await;
}

/// Lines of the same SKU are reserved as one, and checked against stock as one.
pub async fn check_duplicate_skus_are_merged(store: Arc<dyn InventoryStore>) {
    let (a, b, c) = (sku("A-1"), sku("B-1"), sku("C-1"));
    set(&*store, &a, 5).await;
    set(&*store, &b, 5).await;
    set(&*store, &c, 4).await;
    let order = new_order();
    reserved(&*store, &order, &[line(&a, 2), line(&b, 1), line(&a, 3)]).await;
    let merged = reservation(&*store, &order).await.expect("the reservation");
    assert_eq!(merged.lines, vec![line(&a, 5), line(&b, 1)]);
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 5, 5, 0, 5)));
    assert_eq!(level(&*store, &b).await, Some(counters(&b, 5, 1, 0, 5)));

    let too_much = new_order();
    assert_eq!(
        reserve(&*store, &too_much, &[line(&c, 3), line(&c, 2)]).await,
        Err(InventoryError::OutOfStock(vec![c.clone()]))
    );
    assert_eq!(level(&*store, &c).await, Some(counters(&c, 4, 0, 0, 4)));
    assert_invariants(&*store).await;
}

/// More SKUs than a reservation may hold are refused before anything is written; as
/// many as it may hold are reserved and committed.
pub async fn check_too_many_lines_are_refused(store: Arc<dyn InventoryStore>) {
    let skus: Vec<Sku> = (0..=MAX_RESERVATION_LINES)
        .map(|n| sku(&format!("MANY-{n:03}")))
        .collect();
    set(&*store, &skus[0], 2).await;
    for sku in &skus[1..] {
        set(&*store, sku, 1).await;
    }
    let too_many: Vec<StockLine> = skus.iter().map(|sku| line(sku, 1)).collect();
    let refused = new_order();
    assert_eq!(
        reserve(&*store, &refused, &too_many).await,
        Err(InventoryError::TooManyLines)
    );
    assert_eq!(reservation(&*store, &refused).await, None);

    let mut most = too_many[..MAX_RESERVATION_LINES].to_vec();
    most.push(line(&skus[0], 1));
    let order = new_order();
    reserved(&*store, &order, &most).await;
    assert_eq!(
        reservation(&*store, &order).await.map(|r| r.lines.len()),
        Some(MAX_RESERVATION_LINES)
    );
    assert_eq!(store.commit(&order).await, Ok(SettleOutcome::Applied));
    let last = &skus[MAX_RESERVATION_LINES];
    assert_eq!(level(&*store, last).await, Some(counters(last, 1, 0, 0, 1)));
    assert_eq!(
        level(&*store, &skus[0]).await,
        Some(counters(&skus[0], 0, 0, 2, 2))
    );
    assert_invariants(&*store).await;
}

/// A commit sells the reserved units once; a second commit or a release changes nothing.
pub async fn check_commit_is_applied_once(store: Arc<dyn InventoryStore>) {
    let (a, b) = (sku("A-1"), sku("B-1"));
    set(&*store, &a, 10).await;
    set(&*store, &b, 5).await;
    let order = new_order();
    reserved(&*store, &order, &[line(&a, 3), line(&b, 1)]).await;
    assert_eq!(store.commit(&order).await, Ok(SettleOutcome::Applied));
    let sold = [counters(&a, 7, 0, 3, 10), counters(&b, 4, 0, 1, 5)];
    assert_eq!(level(&*store, &a).await.as_ref(), Some(&sold[0]));
    assert_eq!(level(&*store, &b).await.as_ref(), Some(&sold[1]));

    let settled = Ok(SettleOutcome::AlreadySettled(ReservationStatus::Committed));
    assert_eq!(store.commit(&order).await, settled);
    assert_eq!(store.release(&order).await, settled);
    assert_eq!(level(&*store, &a).await.as_ref(), Some(&sold[0]));
    assert_eq!(level(&*store, &b).await.as_ref(), Some(&sold[1]));
    assert_eq!(
        status(&*store, &order).await,
        Some(ReservationStatus::Committed)
    );
    assert_invariants(&*store).await;
}

/// A release gives the units back once; a later commit or release changes nothing.
pub async fn check_release_gives_stock_back(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    set(&*store, &a, 10).await;
    let order = new_order();
    reserved(&*store, &order, &[line(&a, 4)]).await;
    assert_eq!(store.release(&order).await, Ok(SettleOutcome::Applied));
    let back = counters(&a, 10, 0, 0, 10);
    assert_eq!(level(&*store, &a).await.as_ref(), Some(&back));

    let settled = Ok(SettleOutcome::AlreadySettled(ReservationStatus::Released));
    assert_eq!(store.release(&order).await, settled);
    assert_eq!(store.commit(&order).await, settled);
    assert_eq!(level(&*store, &a).await.as_ref(), Some(&back));
    assert_eq!(
        status(&*store, &order).await,
        Some(ReservationStatus::Released)
    );
    assert_invariants(&*store).await;
}

/// Settling an order without a reservation finds nothing and changes nothing.
pub async fn check_settling_without_reservation_finds_nothing(store: Arc<dyn InventoryStore>) {
    let order = new_order();
    assert_eq!(store.commit(&order).await, Ok(SettleOutcome::NotFound));
    assert_eq!(store.release(&order).await, Ok(SettleOutcome::NotFound));
    assert_eq!(reservation(&*store, &order).await, None);
    assert_invariants(&*store).await;
}

/// The sweeper releases pending reservations that expire at or before `now`, and only
/// those.
pub async fn check_release_expired_releases_only_expired_pending(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    set(&*store, &a, 100).await;
    let mut orders = HashMap::new();
    for (name, expires_in, units) in [
        ("early", 1, 1),
        ("due", 5, 2),
        ("later", 10, 3),
        ("committed", 1, 4),
        ("released", 1, 5),
    ] {
        let order = new_order();
        let expires_at = NOW + Duration::minutes(expires_in);
        assert_eq!(
            store
                .reserve(&order, &[line(&a, units)], expires_at, NOW)
                .await,
            Ok(ReserveOutcome::Reserved)
        );
        orders.insert(name, order);
    }
    assert_eq!(
        store.commit(&orders["committed"]).await,
        Ok(SettleOutcome::Applied)
    );
    assert_eq!(
        store.release(&orders["released"]).await,
        Ok(SettleOutcome::Applied)
    );

    assert_eq!(store.release_expired(NOW).await, Ok(vec![]));
    let sweep = NOW + Duration::minutes(5);
    let mut released = store.release_expired(sweep).await.expect("sweeping");
    released.sort();
    let mut expected = vec![orders["early"], orders["due"]];
    expected.sort();
    assert_eq!(released, expected);
    assert_eq!(store.release_expired(sweep).await, Ok(vec![]));

    for (name, expected) in [
        ("early", ReservationStatus::Released),
        ("due", ReservationStatus::Released),
        ("later", ReservationStatus::Pending),
        ("committed", ReservationStatus::Committed),
        ("released", ReservationStatus::Released),
    ] {
        assert_eq!(
            status(&*store, &orders[name]).await,
            Some(expected),
            "{name}"
        );
    }
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 96, 3, 4, 100)));
    assert_invariants(&*store).await;
}

/// A commit and the sweeper racing for the same expired reservation: exactly one wins,
/// every time.
pub async fn check_commit_races_release_expired(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    set(&*store, &a, RACE_ROUNDS).await;
    let sweep = NOW + TTL;
    let mut commits_won = 0;
    for round in 0..RACE_ROUNDS {
        let order = new_order();
        reserved(&*store, &order, &[line(&a, 1)]).await;
        let committer = {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.commit(&order).await })
        };
        let sweeper = {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.release_expired(sweep).await })
        };
        let committed = committer.await.expect("the commit finished");
        let swept = sweeper.await.expect("the sweep finished");
        match (committed, swept) {
            (Ok(SettleOutcome::Applied), Ok(swept)) if swept.is_empty() => {
                commits_won += 1;
                assert_eq!(
                    status(&*store, &order).await,
                    Some(ReservationStatus::Committed)
                );
            }
            (Ok(SettleOutcome::AlreadySettled(ReservationStatus::Released)), Ok(swept))
                if swept == [order] =>
            {
                assert_eq!(
                    status(&*store, &order).await,
                    Some(ReservationStatus::Released)
                );
            }
            outcomes => panic!("round {round}: not exactly one winner: {outcomes:?}"),
        }
    }
    let sold = i64::from(commits_won);
    let received = i64::from(RACE_ROUNDS);
    assert_eq!(
        level(&*store, &a).await,
        Some(counters(&a, received - sold, 0, sold, received))
    );
    assert_invariants(&*store).await;
}

/// The flash sale: [`STORM_BUYERS`] buyers of one unit at once for [`STORM_STOCK`]
/// units, [`STORM_ROUNDS`] times, each round on a fresh store from `new_store`. Exactly
/// the stock is reserved, every other buyer is told it is out of stock, and the
/// invariant holds.
///
/// A fresh store per round keeps the rounds independent, and keeps the emulator fast:
/// moto copies a whole table on every transaction, so its transactions slow down as the
/// table fills with reservations.
pub async fn check_reservation_storm<F, S>(new_store: F)
where
    F: Fn() -> S,
    S: Future<Output = Arc<dyn InventoryStore>>,
{
    storm(new_store, 1, STORM_ROUNDS).await;
}

/// The same storm on a SKU split over [`STORM_SHARDS`] shards: as many units sold, none
/// twice, and every shard holding exactly what was taken from it.
pub async fn check_sharded_reservation_storm<F, S>(new_store: F)
where
    F: Fn() -> S,
    S: Future<Output = Arc<dyn InventoryStore>>,
{
    storm(new_store, STORM_SHARDS, SHARDED_STORM_ROUNDS).await;
}

async fn storm<F, S>(new_store: F, shards: u32, rounds: usize)
where
    F: Fn() -> S,
    S: Future<Output = Arc<dyn InventoryStore>>,
{
    for round in 0..rounds {
        let store = new_store().await;
        let hot = sku(&format!("STORM-{round}"));
        store
            .set_stock(&hot, STORM_STOCK, Some(shards))
            .await
            .expect("the storm's stock is set");
        let buyers: Vec<_> = (0..STORM_BUYERS)
            .map(|_| {
                let store = Arc::clone(&store);
                let wanted = [line(&hot, 1)];
                tokio::spawn(async move { reserve(&*store, &new_order(), &wanted).await })
            })
            .collect();
        let mut got = 0;
        let mut turned_away = 0;
        for outcome in futures::future::join_all(buyers).await {
            match outcome.expect("a buyer task finished") {
                Ok(ReserveOutcome::Reserved) => got += 1,
                Err(InventoryError::OutOfStock(short)) if short == [hot.clone()] => {
                    turned_away += 1;
                }
                other => panic!("round {round}: unexpected outcome {other:?}"),
            }
        }
        assert_eq!(
            (got, turned_away),
            (STORM_STOCK as usize, STORM_BUYERS - STORM_STOCK as usize),
            "round {round}: (reserved, out of stock)"
        );
        let stock = i64::from(STORM_STOCK);
        assert_eq!(
            level(&*store, &hot).await,
            Some(StockLevel {
                shards,
                ..counters(&hot, stock, stock, 0, stock)
            })
        );
        assert_invariants(&*store).await;
    }
}

async fn shard_on_hand(store: &dyn InventoryStore, sku: &Sku) -> Vec<i64> {
    store
        .sharded_stock(sku)
        .await
        .expect("reading the shards")
        .expect("the SKU has stock")
        .shards
        .iter()
        .map(|shard| shard.on_hand)
        .collect()
}

/// Stock set over shards is spread evenly and reads back as one level; a recount over
/// fewer shards keeps every unit, sold ones included.
pub async fn check_stock_is_spread_over_shards(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    let level = store.set_stock(&a, 10, Some(4)).await.expect("4 shards");
    assert_eq!(
        level,
        StockLevel {
            shards: 4,
            ..counters(&a, 10, 0, 0, 10)
        }
    );
    assert_eq!(shard_on_hand(&*store, &a).await, [3, 3, 2, 2]);
    sold(&*store, &[line(&a, 3)]).await;
    assert_eq!(
        set(&*store, &a, 9).await,
        StockLevel {
            shards: 4,
            ..counters(&a, 9, 0, 3, 12)
        },
        "the number of shards is kept"
    );
    let merged = store.set_stock(&a, 9, Some(2)).await.expect("2 shards");
    assert_eq!(
        merged,
        StockLevel {
            shards: 2,
            ..counters(&a, 9, 0, 3, 12)
        }
    );
    assert_eq!(shard_on_hand(&*store, &a).await, [5, 4]);
    assert_eq!(
        store.all_stock_levels().await.expect("reading all levels"),
        vec![merged]
    );
    assert_eq!(
        store.set_stock(&a, 9, Some(0)).await,
        Err(InventoryError::BadShardCount(0))
    );
    assert_invariants(&*store).await;
}

/// A line larger than any one shard takes from several in one reservation, which
/// settles and restocks across them.
pub async fn check_a_line_larger_than_any_shard_takes_from_several(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    store.set_stock(&a, 10, Some(4)).await.expect("4 shards");
    let order = new_order();
    reserved(&*store, &order, &[line(&a, 7)]).await;
    let takes = reservation(&*store, &order)
        .await
        .expect("the reservation")
        .takes;
    assert!(takes.len() >= 3, "7 units from shards of 3: {takes:?}");
    assert_eq!(takes.iter().map(|take| take.quantity).sum::<u32>(), 7);
    assert_invariants(&*store).await;
    assert_eq!(
        reserve(&*store, &new_order(), &[line(&a, 4)]).await,
        Err(InventoryError::OutOfStock(vec![a.clone()])),
        "3 left over all shards"
    );
    assert_eq!(store.commit(&order).await, Ok(SettleOutcome::Applied));
    assert_invariants(&*store).await;
    assert_eq!(
        store
            .restock(&order, &format!("{order}#return"), &[line(&a, 7)])
            .await,
        Ok(SettleOutcome::Applied)
    );
    assert_eq!(
        level(&*store, &a).await,
        Some(StockLevel {
            shards: 4,
            ..counters(&a, 10, 0, 0, 10)
        })
    );
    assert_invariants(&*store).await;
}

/// A shard holding reserved units cannot be dropped; the refusal changes nothing.
pub async fn check_a_shard_holding_reserved_units_is_not_dropped(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    store.set_stock(&a, 4, Some(4)).await.expect("4 shards");
    reserved(&*store, &new_order(), &[line(&a, 4)]).await;
    assert_eq!(
        store.set_stock(&a, 4, Some(1)).await,
        Err(InventoryError::ShardReserved {
            sku: a.clone(),
            shard: 1,
            reserved: 1
        })
    );
    assert_eq!(shard_on_hand(&*store, &a).await, [1, 1, 1, 1]);
    assert_invariants(&*store).await;
}

/// `lines` of a new order, reserved and committed: the order.
async fn sold(store: &dyn InventoryStore, lines: &[StockLine]) -> OrderId {
    let order = new_order();
    reserved(store, &order, lines).await;
    assert_eq!(store.commit(&order).await, Ok(SettleOutcome::Applied));
    order
}

fn cannot_restock(outcome: &Result<SettleOutcome, InventoryError>) -> bool {
    matches!(outcome, Err(InventoryError::CannotRestock { .. }))
}

fn by_id(mut restocks: Vec<Restock>) -> Vec<Restock> {
    restocks.sort_by(|a, b| (a.order_id, &a.restock_id).cmp(&(b.order_id, &b.restock_id)));
    restocks
}

/// A restock puts a committed order's units back on hand and out of `sold`, once per
/// restock id; a repeat changes nothing, whatever its lines.
pub async fn check_restock_puts_units_back_once(store: Arc<dyn InventoryStore>) {
    let (a, b) = (sku("A-1"), sku("B-1"));
    set(&*store, &a, 10).await;
    set(&*store, &b, 5).await;
    let order = sold(&*store, &[line(&a, 3), line(&b, 2)]).await;
    let restock_id = format!("{order}#cancel");
    assert_eq!(
        store
            .restock(
                &order,
                &restock_id,
                &[line(&a, 1), line(&b, 2), line(&a, 2)]
            )
            .await,
        Ok(SettleOutcome::Applied)
    );
    let back = [counters(&a, 10, 0, 0, 10), counters(&b, 5, 0, 0, 5)];
    assert_eq!(level(&*store, &a).await.as_ref(), Some(&back[0]));
    assert_eq!(level(&*store, &b).await.as_ref(), Some(&back[1]));
    let done = Ok(SettleOutcome::AlreadySettled(ReservationStatus::Committed));
    assert_eq!(
        store.restock(&order, &restock_id, &[line(&a, 3)]).await,
        done
    );
    assert_eq!(
        store.restock(&order, &restock_id, &[line(&a, 9)]).await,
        done
    );
    assert_eq!(level(&*store, &a).await.as_ref(), Some(&back[0]));
    assert_eq!(
        store.restocks().await.expect("reading the restocks"),
        [Restock {
            order_id: order,
            restock_id,
            lines: vec![line(&a, 3), line(&b, 2)],
        }]
    );
    assert_eq!(
        status(&*store, &order).await,
        Some(ReservationStatus::Committed),
        "a restock leaves the reservation committed"
    );
    assert_invariants(&*store).await;
}

/// Restocks of some lines add up, per SKU, to at most what the order committed.
pub async fn check_partial_restocks_never_pass_the_commit(store: Arc<dyn InventoryStore>) {
    let (a, b, c) = (sku("A-1"), sku("B-1"), sku("C-1"));
    for sku in [&a, &b, &c] {
        set(&*store, sku, 10).await;
    }
    let order = sold(&*store, &[line(&a, 3), line(&b, 1)]).await;
    // C-1 was sold too, but to another order: not this order's to restock.
    sold(&*store, &[line(&c, 4)]).await;
    let restock = |id: &str, lines: Vec<StockLine>| {
        let store = Arc::clone(&store);
        let id = id.to_owned();
        async move { store.restock(&order, &id, &lines).await }
    };
    assert_eq!(
        restock("return-1", vec![line(&a, 1)]).await,
        Ok(SettleOutcome::Applied)
    );
    assert!(cannot_restock(
        &restock("return-2", vec![line(&a, 3)]).await
    ));
    assert!(cannot_restock(
        &restock("return-2", vec![line(&c, 1)]).await
    ));
    assert!(cannot_restock(
        &restock("return-2", vec![line(&b, 1), line(&a, 1), line(&a, 2)]).await
    ));
    assert_eq!(
        restock("return-2", vec![line(&a, 2), line(&b, 1)]).await,
        Ok(SettleOutcome::Applied)
    );
    assert!(cannot_restock(
        &restock("return-3", vec![line(&a, 1)]).await
    ));
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 10, 0, 0, 10)));
    assert_eq!(level(&*store, &b).await, Some(counters(&b, 10, 0, 0, 10)));
    assert_eq!(level(&*store, &c).await, Some(counters(&c, 6, 0, 4, 10)));
    assert_eq!(
        by_id(store.restocks().await.expect("reading the restocks")),
        by_id(vec![
            Restock {
                order_id: order,
                restock_id: "return-1".into(),
                lines: vec![line(&a, 1)],
            },
            Restock {
                order_id: order,
                restock_id: "return-2".into(),
                lines: vec![line(&a, 2), line(&b, 1)],
            },
        ])
    );
    assert_invariants(&*store).await;
}

/// Only committed reservations are restocked: a pending or released one is refused, an
/// order without one is not found; nothing changes.
pub async fn check_only_committed_orders_are_restocked(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    set(&*store, &a, 10).await;
    let pending = new_order();
    reserved(&*store, &pending, &[line(&a, 2)]).await;
    let released = new_order();
    reserved(&*store, &released, &[line(&a, 3)]).await;
    assert_eq!(store.release(&released).await, Ok(SettleOutcome::Applied));
    let before = level(&*store, &a).await;
    for order in [&pending, &released] {
        assert!(cannot_restock(
            &store.restock(order, "cancel", &[line(&a, 1)]).await
        ));
    }
    assert_eq!(
        store.restock(&new_order(), "cancel", &[line(&a, 1)]).await,
        Ok(SettleOutcome::NotFound)
    );
    assert_eq!(level(&*store, &a).await, before);
    assert_eq!(store.restocks().await, Ok(Vec::new()));
    assert_invariants(&*store).await;
}

/// Many restocks of one order at once: with one id, exactly one applies; with many ids
/// each asking for every unit, exactly one applies. Losers are told it was done, that
/// the order cannot take it, or (on a store that detects the collision) to try again.
pub async fn check_concurrent_restocks_apply_once(store: Arc<dyn InventoryStore>) {
    let a = sku("A-1");
    set(&*store, &a, 10).await;
    for shared_id in [true, false] {
        let order = sold(&*store, &[line(&a, 4)]).await;
        let attempts = (0..CONCURRENT_RESTOCKS).map(|attempt| {
            let store = Arc::clone(&store);
            let lines = [line(&a, 4)];
            let id = if shared_id {
                "cancel".to_owned()
            } else {
                format!("return-{attempt}")
            };
            tokio::spawn(async move { store.restock(&order, &id, &lines).await })
        });
        let outcomes: Vec<_> = futures::future::join_all(attempts)
            .await
            .into_iter()
            .map(|joined| joined.expect("a restock task finished"))
            .collect();
        let applied = outcomes
            .iter()
            .filter(|outcome| **outcome == Ok(SettleOutcome::Applied))
            .count();
        assert_eq!(applied, 1, "{outcomes:?}");
        assert!(
            outcomes.iter().all(|outcome| matches!(
                outcome,
                Ok(SettleOutcome::Applied)
                    | Ok(SettleOutcome::AlreadySettled(ReservationStatus::Committed))
                    | Err(InventoryError::CannotRestock { .. })
                    | Err(InventoryError::Store(
                        mambogo::domain::store::StoreError::Conflict
                    ))
            )),
            "{outcomes:?}"
        );
        assert_eq!(level(&*store, &a).await, Some(counters(&a, 10, 0, 0, 10)));
        assert_invariants(&*store).await;
    }
}

/// A low-stock threshold is kept on the SKU's stock, through counts of its stock, until
/// it is removed; setting one on a SKU without stock gives it an empty record.
pub async fn check_low_stock_threshold_is_kept(store: Arc<dyn InventoryStore>) {
    let (a, b) = (sku("A-1"), sku("B-1"));
    set(&*store, &a, 10).await;
    let with_threshold = |level: StockLevel, threshold| StockLevel {
        low_stock_threshold: threshold,
        ..level
    };
    assert_eq!(
        store.set_low_stock_threshold(&a, Some(4)).await,
        Ok(with_threshold(counters(&a, 10, 0, 0, 10), Some(4)))
    );
    assert_eq!(
        store.set_low_stock_threshold(&b, Some(2)).await,
        Ok(with_threshold(counters(&b, 0, 0, 0, 0), Some(2)))
    );
    assert_eq!(
        set(&*store, &a, 12).await,
        with_threshold(counters(&a, 12, 0, 0, 12), Some(4))
    );
    let order = new_order();
    reserved(&*store, &order, &[line(&a, 9)]).await;
    let low = level(&*store, &a).await.expect("A-1 has stock");
    assert_eq!(low, with_threshold(counters(&a, 12, 9, 0, 12), Some(4)));
    assert!(low.is_low());
    assert_eq!(
        by_sku(store.all_stock_levels().await.expect("all stock levels")),
        [
            with_threshold(counters(&a, 12, 9, 0, 12), Some(4)),
            with_threshold(counters(&b, 0, 0, 0, 0), Some(2)),
        ]
    );
    assert_eq!(
        store.set_low_stock_threshold(&a, None).await,
        Ok(counters(&a, 12, 9, 0, 12))
    );
    assert_eq!(level(&*store, &a).await, Some(counters(&a, 12, 9, 0, 12)));
    set(&*store, &b, 3).await;
    assert_eq!(
        level(&*store, &b).await,
        Some(with_threshold(counters(&b, 3, 0, 0, 3), Some(2)))
    );
    assert_invariants(&*store).await;
}
