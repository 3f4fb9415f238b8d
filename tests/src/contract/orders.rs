//! What every [`OrderStore`] must do.

use std::sync::Arc;

use mambogo::ids::{OrderId, ProductId, Sku, UserId};
use mambogo::money::{Currency, Money};
use mambogo::orders::{Order, OrderLine, OrderStatus, PricingRules};
use mambogo::ports::{OrderStore, StoreError};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{sole_winner, NOW};

const CONCURRENT_WRITERS: u32 = 20;

/// A new order (version 1) of `quantity` headphones by `user`.
fn placed(user: &str, quantity: u32) -> Order {
    let unit_price = Money::new(9_900, Currency::USD);
    let line_total = unit_price.times(quantity).expect("a small line total");
    let line = OrderLine {
        product_id: ProductId::parse("hp-1").expect("a valid product id"),
        sku: Sku::parse("HP-1").expect("a valid SKU"),
        name: "Headphones".to_owned(),
        quantity,
        unit_price,
        line_total,
    };
    let totals = PricingRules::default()
        .totals(line_total)
        .expect("totals of a small order");
    Order::place(
        OrderId::from_uuid(Uuid::new_v4()),
        UserId::parse(user).expect("a valid user id"),
        vec![line],
        totals,
        NOW + Duration::minutes(15),
        NOW,
    )
}

/// `order` moved to `to` by `actor` at `now`, so one version on.
fn moved(order: &Order, to: OrderStatus, actor: &str, now: OffsetDateTime) -> Order {
    let mut next = order.clone();
    next.transition(to, actor, None, now)
        .expect("a transition the rules allow");
    next
}

async fn create(store: &dyn OrderStore, order: &Order) {
    store
        .create(order)
        .await
        .unwrap_or_else(|error| panic!("creating order {}: {error}", order.id));
}

async fn update(store: &dyn OrderStore, order: &Order) {
    store
        .update(order)
        .await
        .unwrap_or_else(|error| panic!("updating to version {}: {error}", order.version));
}

async fn read(store: &dyn OrderStore, id: &OrderId) -> Option<Order> {
    store.order(id).await.expect("reading an order")
}

/// A created order reads back as written; an unknown id reads as nothing.
pub async fn check_created_order_reads_back(store: Arc<dyn OrderStore>) {
    let order = placed("alice", 2);
    assert_eq!(order.version, 1);
    assert_eq!(read(&*store, &order.id).await, None);
    create(&*store, &order).await;
    assert_eq!(read(&*store, &order.id).await, Some(order));
}

/// Creating an order whose id is taken is refused and changes nothing.
pub async fn check_second_create_is_refused(store: Arc<dyn OrderStore>) {
    let first = placed("alice", 1);
    create(&*store, &first).await;
    let second = Order {
        id: first.id,
        ..placed("bob", 3)
    };
    assert_eq!(store.create(&second).await, Err(StoreError::AlreadyExists));
    assert_eq!(read(&*store, &first.id).await, Some(first));
}

/// An update applies to the version it was based on, and to no other.
pub async fn check_update_needs_the_stored_version(store: Arc<dyn OrderStore>) {
    let v1 = placed("alice", 1);
    create(&*store, &v1).await;
    let later = NOW + Duration::minutes(5);
    let v2 = moved(&v1, OrderStatus::Confirmed, "saga", later);
    update(&*store, &v2).await;
    assert_eq!(read(&*store, &v1.id).await, Some(v2.clone()));

    let stale = moved(&v1, OrderStatus::Failed, "saga", later);
    assert_eq!(stale.version, 2);
    assert_eq!(store.update(&stale).await, Err(StoreError::Conflict));
    let skipping = moved(&v2, OrderStatus::Processing, "ops", later);
    let skipping = moved(&skipping, OrderStatus::Shipped, "ops", later);
    assert_eq!(store.update(&skipping).await, Err(StoreError::Conflict));
    assert_eq!(read(&*store, &v1.id).await, Some(v2));

    let never_created = moved(&placed("bob", 1), OrderStatus::Confirmed, "saga", later);
    assert_eq!(
        store.update(&never_created).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(read(&*store, &never_created.id).await, None);
}

/// Of many writers updating the same version at once, exactly one wins.
pub async fn check_concurrent_updates_admit_one(store: Arc<dyn OrderStore>) {
    let v1 = placed("alice", 1);
    create(&*store, &v1).await;
    let candidates: Vec<Order> = (1..=CONCURRENT_WRITERS)
        .map(|writer| {
            moved(
                &v1,
                OrderStatus::Cancelled,
                &format!("writer-{writer}"),
                NOW,
            )
        })
        .collect();
    let writers = candidates.iter().cloned().map(|candidate| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.update(&candidate).await })
    });
    let winner = sole_winner(writers).await;
    assert_eq!(
        read(&*store, &v1.id).await,
        Some(candidates[winner].clone())
    );
}
