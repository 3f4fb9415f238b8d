//! The consumer that empties a cart on OrderConfirmed acts once per event id.

use std::sync::Arc;

use mambogo::adapters::sqlite::{SqliteCarts, SqliteDb, SqliteIdempotency};
use mambogo::application::consumers::ClearCartOnConfirmation;
use mambogo::domain::cart::CartStore;
use mambogo::domain::cart::{Cart, CartOwner};
use mambogo::domain::catalog::Product;
use mambogo::domain::clock::{Clock, SystemClock};
use mambogo::domain::events::payloads::{OrderConfirmed, OrderPlaced};
use mambogo::domain::events::{DomainEvent, EventConsumer, EventType};
use mambogo::domain::ids::{CartId, CartItemId, OrderId, UserId};
use mambogo::domain::money::{Currency, Money};
use mambogo_local::demo::demo_products;
use uuid::Uuid;

struct Fixture {
    carts: Arc<SqliteCarts>,
    consumer: ClearCartOnConfirmation,
    products: Vec<Product>,
    alice: UserId,
}

fn fixture() -> Fixture {
    let db = SqliteDb::in_memory().unwrap();
    let carts = Arc::new(SqliteCarts::new(db.clone()));
    Fixture {
        consumer: ClearCartOnConfirmation {
            carts: carts.clone(),
            idempotency: Arc::new(SqliteIdempotency::new(db)),
            clock: Arc::new(SystemClock),
        },
        carts,
        products: demo_products(),
        alice: UserId::parse("alice").unwrap(),
    }
}

async fn add(fixture: &Fixture, product_index: usize) {
    let now = SystemClock.now();
    let id = CartId::for_user(&fixture.alice);
    let mut cart = fixture
        .carts
        .cart(&id, now)
        .await
        .unwrap()
        .unwrap_or_else(|| Cart::new(id, CartOwner::User(fixture.alice.clone()), now));
    let product = &fixture.products[product_index];
    cart.add(
        CartItemId::from_uuid(Uuid::new_v4()),
        product,
        &product.variants[0],
        1,
        now,
    )
    .unwrap();
    cart.touch(now);
    fixture.carts.save(&cart, now).await.unwrap();
}

async fn lines(fixture: &Fixture) -> usize {
    let cart = fixture
        .carts
        .cart(&CartId::for_user(&fixture.alice), SystemClock.now())
        .await
        .unwrap();
    cart.map_or(0, |cart| cart.lines.len())
}

fn confirmed(fixture: &Fixture, event_id: Uuid) -> DomainEvent {
    let payload = OrderConfirmed {
        user_id: fixture.alice.clone(),
        total: Money::new(1_000, Currency::USD),
        placed_at: SystemClock.now(),
    };
    DomainEvent::new(
        EventType::OrderConfirmed,
        event_id,
        OrderId::from_uuid(Uuid::new_v4()),
        SystemClock.now(),
        payload,
    )
    .unwrap()
}

#[tokio::test]
async fn a_redelivered_confirmation_does_not_clear_again() {
    let fixture = fixture();
    add(&fixture, 1).await;
    add(&fixture, 2).await;
    let event = confirmed(&fixture, Uuid::new_v4());
    fixture.consumer.consume(&event).await.unwrap();
    assert_eq!(lines(&fixture).await, 0);

    add(&fixture, 3).await;
    fixture.consumer.consume(&event).await.unwrap();
    assert_eq!(
        lines(&fixture).await,
        1,
        "the same event id is handled once"
    );

    fixture
        .consumer
        .consume(&confirmed(&fixture, Uuid::new_v4()))
        .await
        .unwrap();
    assert_eq!(lines(&fixture).await, 0, "a new confirmation clears again");
}

#[tokio::test]
async fn other_events_leave_the_cart_alone() {
    let fixture = fixture();
    add(&fixture, 1).await;
    let placed = DomainEvent::new(
        EventType::OrderPlaced,
        Uuid::new_v4(),
        OrderId::from_uuid(Uuid::new_v4()),
        SystemClock.now(),
        OrderPlaced {
            user_id: fixture.alice.clone(),
            total: Money::new(1_000, Currency::USD),
            lines: Vec::new(),
            reservation_expires_at: SystemClock.now(),
        },
    )
    .unwrap();
    fixture.consumer.consume(&placed).await.unwrap();
    assert_eq!(lines(&fixture).await, 1);
}
