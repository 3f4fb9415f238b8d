//! What every [`InventoryStore`] must do with a flash sale's holds: set aside from stock,
//! promised one conditional write at a time, drawn by orders without touching the
//! shards, given back when an order is released, and returned to stock when they end.

use std::sync::Arc;

use mambogo::domain::ids::{OrderId, Sku};
use mambogo::domain::inventory::{
    InventoryError, InventoryStore, ReservationStatus, ReserveOutcome, SettleOutcome,
};

use super::inventory::{
    assert_invariants, counters, level, line, new_order, reservation, sku, TTL,
};
use super::NOW;

/// Buyers racing for the units of one hold.
const RACING_BUYERS: usize = 24;
/// The units of that hold.
const RACED_UNITS: u32 = 12;

/// A SKU with `on_hand` units over 4 shards, and a hold of `units` of them until
/// [`TTL`] from [`NOW`].
async fn sale_stock(store: &dyn InventoryStore, on_hand: u32, units: u32) -> (Sku, OrderId) {
    let a = sku("SALE-1");
    store
        .set_stock(&a, on_hand, Some(4))
        .await
        .expect("stock over 4 shards");
    let hold = new_order();
    assert_eq!(
        store
            .set_aside(&hold, &line(&a, units), NOW + TTL, NOW)
            .await,
        Ok(ReserveOutcome::Reserved)
    );
    (a, hold)
}

/// The units a hold holds and has promisable.
async fn held(store: &dyn InventoryStore, hold: &OrderId) -> (u32, Option<u32>) {
    let hold = reservation(store, hold).await.expect("the hold exists");
    (
        hold.lines.iter().map(|line| line.quantity).sum(),
        hold.promisable,
    )
}

async fn draw(
    store: &dyn InventoryStore,
    order: &OrderId,
    hold: &OrderId,
    lines: &[mambogo::domain::inventory::StockLine],
) -> Result<ReserveOutcome, InventoryError> {
    store
        .reserve_drawing(order, lines, hold, NOW + TTL * 2, NOW)
        .await
}

/// A hold reserves its units from stock, all promisable; promises never pass them.
pub async fn check_a_hold_is_set_aside_and_promised(store: Arc<dyn InventoryStore>) {
    let (a, hold) = sale_stock(&*store, 10, 6).await;
    assert_eq!(
        level(&*store, &a).await.map(|level| level.reserved),
        Some(6)
    );
    assert_eq!(held(&*store, &hold).await, (6, Some(6)));
    assert_eq!(
        store.set_aside(&hold, &line(&a, 6), NOW + TTL, NOW).await,
        Ok(ReserveOutcome::Existing(ReservationStatus::Pending)),
        "a hold set aside again is the same hold"
    );
    assert_eq!(
        store
            .set_aside(&new_order(), &line(&a, 5), NOW + TTL, NOW)
            .await,
        Err(InventoryError::OutOfStock(vec![a.clone()]))
    );
    assert_eq!(store.promise(&hold, 4).await, Ok(true));
    assert_eq!(store.promise(&hold, 3).await, Ok(false));
    assert_eq!(store.promise(&hold, 2).await, Ok(true));
    assert_eq!(store.promise(&hold, 1).await, Ok(false), "all 6 promised");
    assert_eq!(store.unpromise(&hold, 1).await, Ok(true));
    assert_eq!(held(&*store, &hold).await, (6, Some(1)));
    assert_eq!(
        store.promise(&new_order(), 1).await,
        Ok(false),
        "no such hold"
    );
    assert_eq!(
        level(&*store, &a).await.map(|level| level.reserved),
        Some(6),
        "promises move no stock"
    );
    assert_invariants(&*store).await;
}

/// An order draws promised sale units from the hold, other lines from stock, in one
/// change; it cannot draw units nobody was promised.
pub async fn check_an_order_draws_promised_units_from_the_hold(store: Arc<dyn InventoryStore>) {
    let (a, hold) = sale_stock(&*store, 10, 6).await;
    let b = sku("B-1");
    store.set_on_hand(&b, 5).await.expect("stock of B");
    assert_eq!(store.promise(&hold, 2).await, Ok(true));
    let order = new_order();
    let lines = [line(&a, 2), line(&b, 1)];
    assert_eq!(
        draw(&*store, &order, &hold, &lines).await,
        Ok(ReserveOutcome::Reserved)
    );
    assert_eq!(
        draw(&*store, &order, &hold, &lines).await,
        Ok(ReserveOutcome::Existing(ReservationStatus::Pending)),
        "a retried draw counts once"
    );
    assert_eq!(held(&*store, &hold).await, (4, Some(4)));
    let drawn = reservation(&*store, &order)
        .await
        .expect("the order's reservation");
    assert_eq!(drawn.drawn_from, Some(hold));
    assert_eq!(drawn.units_of(&a), 2);
    assert_eq!(
        drawn
            .takes
            .iter()
            .filter(|take| take.sku == a)
            .map(|take| take.quantity)
            .sum::<u32>(),
        2
    );
    let a_level = level(&*store, &a).await.expect("stock of A");
    assert_eq!(
        (a_level.reserved, a_level.available),
        (6, 4),
        "drawn units stay reserved"
    );
    assert_eq!(level(&*store, &b).await, Some(counters(&b, 5, 1, 0, 5)));

    let greedy = new_order();
    assert_eq!(
        draw(&*store, &greedy, &hold, &[line(&a, 1), line(&b, 1)]).await,
        Err(InventoryError::HoldUnavailable),
        "no unit was promised to it"
    );
    assert_eq!(reservation(&*store, &greedy).await, None);
    assert_eq!(level(&*store, &b).await, Some(counters(&b, 5, 1, 0, 5)));

    assert_eq!(store.commit(&order).await, Ok(SettleOutcome::Applied));
    let a_level = level(&*store, &a).await.expect("stock of A");
    assert_eq!((a_level.reserved, a_level.sold), (4, 2));
    assert_invariants(&*store).await;
}

/// A drawn order released while its hold is pending gives its units back to the hold,
/// promisable again; once the hold has gone back to stock, to stock.
pub async fn check_released_draws_go_back_to_the_hold_then_to_stock(
    store: Arc<dyn InventoryStore>,
) {
    let (a, hold) = sale_stock(&*store, 10, 4).await;
    assert_eq!(store.promise(&hold, 2).await, Ok(true));
    let (first, second) = (new_order(), new_order());
    for order in [&first, &second] {
        assert_eq!(
            draw(&*store, order, &hold, &[line(&a, 1)]).await,
            Ok(ReserveOutcome::Reserved)
        );
    }
    assert_eq!(held(&*store, &hold).await, (2, Some(2)));
    assert_eq!(store.release(&first).await, Ok(SettleOutcome::Applied));
    assert_eq!(held(&*store, &hold).await, (3, Some(3)));
    assert_eq!(
        level(&*store, &a).await.map(|level| level.reserved),
        Some(4)
    );
    assert_invariants(&*store).await;

    assert_eq!(store.release(&hold).await, Ok(SettleOutcome::Applied));
    assert_eq!(
        level(&*store, &a).await.map(|level| level.reserved),
        Some(1),
        "only the second order's unit is still reserved"
    );
    assert_eq!(store.promise(&hold, 1).await, Ok(false));
    assert_eq!(store.unpromise(&hold, 1).await, Ok(false));
    assert_eq!(
        draw(&*store, &new_order(), &hold, &[line(&a, 1)]).await,
        Err(InventoryError::HoldUnavailable)
    );
    assert_eq!(store.release(&second).await, Ok(SettleOutcome::Applied));
    let a_level = level(&*store, &a).await.expect("stock of A");
    assert_eq!((a_level.reserved, a_level.available), (0, 10));
    assert_invariants(&*store).await;
}

/// A hold expires when its sale ends: the sweeper's release returns what is left of it
/// to stock, and the orders it gave units to keep them.
pub async fn check_an_ended_hold_goes_back_to_stock(store: Arc<dyn InventoryStore>) {
    let (a, hold) = sale_stock(&*store, 10, 5).await;
    assert_eq!(store.promise(&hold, 2).await, Ok(true));
    let order = new_order();
    assert_eq!(
        draw(&*store, &order, &hold, &[line(&a, 2)]).await,
        Ok(ReserveOutcome::Reserved)
    );
    let released = store
        .release_expired(NOW + TTL)
        .await
        .expect("the sweep runs");
    assert_eq!(released, vec![hold]);
    let a_level = level(&*store, &a).await.expect("stock of A");
    assert_eq!((a_level.reserved, a_level.available), (2, 8));
    assert_eq!(store.commit(&order).await, Ok(SettleOutcome::Applied));
    assert_invariants(&*store).await;
}

/// Buyers racing for one hold: exactly its units are promised, every promised buyer
/// draws their unit, and the hold is then empty.
pub async fn check_racing_buyers_get_exactly_the_held_units(store: Arc<dyn InventoryStore>) {
    let (a, hold) = sale_stock(&*store, 2 * RACED_UNITS, RACED_UNITS).await;
    let promises = futures::future::join_all((0..RACING_BUYERS).map(|_| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.promise(&hold, 1).await })
    }))
    .await;
    let promised = promises
        .into_iter()
        .map(|joined| {
            joined
                .expect("a buyer finished")
                .expect("a promise is decided")
        })
        .filter(|promised| *promised)
        .count();
    assert_eq!(promised, RACED_UNITS as usize);
    let draws = futures::future::join_all((0..promised).map(|_| {
        let (store, a) = (Arc::clone(&store), a.clone());
        tokio::spawn(async move { draw(&*store, &new_order(), &hold, &[line(&a, 1)]).await })
    }))
    .await;
    for outcome in draws {
        assert_eq!(
            outcome.expect("a buyer finished"),
            Ok(ReserveOutcome::Reserved)
        );
    }
    assert_eq!(held(&*store, &hold).await, (0, Some(0)));
    assert_eq!(
        level(&*store, &a).await.map(|level| level.reserved),
        Some(i64::from(RACED_UNITS))
    );
    assert_invariants(&*store).await;
}
