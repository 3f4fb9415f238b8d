//! What every [`OrderStore`] must do.

use std::sync::Arc;

use mambogo::domain::ids::{OrderId, ProductId, Sku, UserId};
use mambogo::domain::money::{Currency, Money};
use mambogo::domain::orders::OrderStore;
use mambogo::domain::orders::{Order, OrderLine, OrderStatus, PricingRules};
use mambogo::domain::store::{Page, PageRequest, StoreError};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{sole_winner, NOW};

const CONCURRENT_WRITERS: u32 = 20;

/// A new order (version 1) of `quantity` headphones by `user`.
fn placed(user: &str, quantity: u32) -> Order {
    placed_at(user, quantity, NOW)
}

/// A new order (version 1) of `quantity` headphones by `user`, placed at `now`.
fn placed_at(user: &str, quantity: u32, now: OffsetDateTime) -> Order {
    let unit_price = Money::new(9_900, Currency::USD);
    let line_total = unit_price.times(quantity).expect("a small line total");
    let line = OrderLine {
        product_id: ProductId::parse("hp-1").expect("a valid product id"),
        sku: Sku::parse("HP-1").expect("a valid SKU"),
        name: "Headphones".to_owned(),
        quantity,
        unit_price,
        line_total,
        discount: None,
    };
    let totals = PricingRules::default()
        .totals(line_total, 0)
        .expect("totals of a small order");
    Order::place(
        OrderId::from_uuid(Uuid::new_v4()),
        UserId::parse(user).expect("a valid user id"),
        vec![line],
        totals,
        now + Duration::minutes(15),
        now,
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

fn user(raw: &str) -> UserId {
    UserId::parse(raw).expect("a valid user id")
}

fn ids(orders: &[Order]) -> Vec<OrderId> {
    orders.iter().map(|order| order.id).collect()
}

/// Every page of a listing read by `read` with pages of `limit`: the ids of each page,
/// checking that only the last page has no cursor.
async fn every_page<F, Fut>(limit: u32, read: F) -> Vec<Vec<OrderId>>
where
    F: Fn(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<Order>, StoreError>>,
{
    let mut pages = Vec::new();
    let mut request = PageRequest::first(limit);
    loop {
        let page = read(request.clone())
            .await
            .expect("reading a page of orders");
        assert!(page.items.len() <= limit as usize, "a page past its limit");
        pages.push(ids(&page.items));
        match page.next_cursor {
            Some(cursor) => {
                assert!(!page.items.is_empty(), "an empty page with a cursor");
                request = PageRequest::after(cursor, limit);
            }
            None => return pages,
        }
    }
}

/// A user's orders are listed newest first, a page at a time, each once; only the last
/// page lacks a cursor, even when it is full; other users' orders never show.
pub async fn check_orders_of_a_user_are_listed_newest_first(store: Arc<dyn OrderStore>) {
    let alices: Vec<Order> = (0..5)
        .map(|minute| placed_at("alice", 1, NOW + Duration::minutes(minute)))
        .collect();
    for order in &alices {
        create(&*store, order).await;
    }
    create(&*store, &placed_at("bob", 1, NOW + Duration::seconds(30))).await;
    let newest_first: Vec<OrderId> = ids(&alices).into_iter().rev().collect();

    let pages = every_page(2, |page| {
        let store = Arc::clone(&store);
        async move { store.orders_for_user(&user("alice"), &page).await }
    })
    .await;
    assert_eq!(
        pages,
        [
            newest_first[0..2].to_vec(),
            newest_first[2..4].to_vec(),
            newest_first[4..].to_vec()
        ]
    );
    let full_pages = every_page(5, |page| {
        let store = Arc::clone(&store);
        async move { store.orders_for_user(&user("alice"), &page).await }
    })
    .await;
    assert_eq!(full_pages, [newest_first], "a full last page has no cursor");

    let first = store
        .orders_for_user(&user("alice"), &PageRequest::first(1))
        .await
        .expect("listing alice's orders");
    assert_eq!(first.items, [alices[4].clone()], "orders read back whole");
    let nobody = store
        .orders_for_user(&user("carol"), &PageRequest::first(10))
        .await
        .expect("listing carol's orders");
    assert_eq!(nobody, Page::new(Vec::new(), None));
}

/// A listing asked for no items gives one; one asked for more than the most gives
/// the most.
pub async fn check_page_limits_are_kept_within_bounds(store: Arc<dyn OrderStore>) {
    let total = PageRequest::MAX_LIMIT + 1;
    for second in 0..total {
        create(
            &*store,
            &placed_at("alice", 1, NOW + Duration::seconds(second.into())),
        )
        .await;
    }
    let none = store
        .orders_for_user(&user("alice"), &PageRequest::first(0))
        .await
        .expect("listing with limit 0");
    assert_eq!(none.items.len(), 1);
    assert!(none.next_cursor.is_some());
    let too_many = store
        .orders_with_status(OrderStatus::Pending, &PageRequest::first(u32::MAX))
        .await
        .expect("listing with a huge limit");
    assert_eq!(too_many.items.len(), PageRequest::MAX_LIMIT as usize);
    let rest = store
        .orders_with_status(
            OrderStatus::Pending,
            &PageRequest::after(too_many.next_cursor.expect("more follow"), 1_000),
        )
        .await
        .expect("listing the rest");
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next_cursor, None);
}

/// Orders placed in the same second are each listed once across pages.
pub async fn check_orders_of_the_same_second_are_each_listed_once(store: Arc<dyn OrderStore>) {
    let orders: Vec<Order> = (0..7).map(|_| placed("alice", 1)).collect();
    for order in &orders {
        create(&*store, order).await;
    }
    let mut expected = ids(&orders);
    expected.sort();
    for listing in ["user", "status"] {
        let pages = every_page(3, |page| {
            let store = Arc::clone(&store);
            async move {
                match listing {
                    "user" => store.orders_for_user(&user("alice"), &page).await,
                    _ => store.orders_with_status(OrderStatus::Pending, &page).await,
                }
            }
        })
        .await;
        assert_eq!(pages.len(), 3, "{listing}: {pages:?}");
        let mut listed: Vec<OrderId> = pages.concat();
        listed.sort();
        assert_eq!(listed, expected, "{listing}");
    }
}

/// The orders in a status are listed oldest first and follow their transitions: an
/// order shows under its current status only.
pub async fn check_orders_are_listed_by_status_oldest_first(store: Arc<dyn OrderStore>) {
    let orders: Vec<Order> = (0..5)
        .map(|minute| {
            placed_at(
                &format!("user-{minute}"),
                1,
                NOW + Duration::minutes(minute),
            )
        })
        .collect();
    for order in &orders {
        create(&*store, order).await;
    }
    let later = NOW + Duration::hours(1);
    let confirmed: Vec<Order> = [3, 1]
        .into_iter()
        .map(|index| moved(&orders[index], OrderStatus::Confirmed, "saga", later))
        .collect();
    for order in &confirmed {
        update(&*store, order).await;
    }
    let processing = moved(&confirmed[0], OrderStatus::Processing, "admin:ops", later);
    update(&*store, &processing).await;

    let by_status = |status| {
        let store = Arc::clone(&store);
        move |page: PageRequest| {
            let store = Arc::clone(&store);
            async move { store.orders_with_status(status, &page).await }
        }
    };
    assert_eq!(
        every_page(2, by_status(OrderStatus::Pending)).await,
        [vec![orders[0].id, orders[2].id], vec![orders[4].id]]
    );
    assert_eq!(
        every_page(2, by_status(OrderStatus::Confirmed)).await,
        [vec![orders[1].id]]
    );
    assert_eq!(
        every_page(2, by_status(OrderStatus::Processing)).await,
        [vec![orders[3].id]]
    );
    assert_eq!(
        every_page(2, by_status(OrderStatus::Shipped)).await,
        [Vec::<OrderId>::new()]
    );
    let listed = store
        .orders_with_status(OrderStatus::Processing, &PageRequest::first(1))
        .await
        .expect("listing processing orders");
    assert_eq!(listed.items, [processing], "the order as last written");
}

/// A cursor that no listing handed out, or that another listing did, is refused.
pub async fn check_bad_cursors_are_refused(store: Arc<dyn OrderStore>) {
    for minute in 0..3 {
        create(
            &*store,
            &placed_at("alice", 1, NOW + Duration::minutes(minute)),
        )
        .await;
    }
    let alices = store
        .orders_for_user(&user("alice"), &PageRequest::first(1))
        .await
        .expect("listing alice's orders")
        .next_cursor
        .expect("more follow");
    let pending = store
        .orders_with_status(OrderStatus::Pending, &PageRequest::first(1))
        .await
        .expect("listing pending orders")
        .next_cursor
        .expect("more follow");
    let refused = [
        store
            .orders_for_user(&user("alice"), &PageRequest::after("not-a-cursor", 1))
            .await,
        store
            .orders_for_user(&user("alice"), &PageRequest::after("", 1))
            .await,
        store
            .orders_for_user(&user("bob"), &PageRequest::after(alices.clone(), 1))
            .await,
        store
            .orders_for_user(&user("alice"), &PageRequest::after(pending.clone(), 1))
            .await,
        store
            .orders_with_status(OrderStatus::Confirmed, &PageRequest::after(pending, 1))
            .await,
        store
            .orders_with_status(OrderStatus::Pending, &PageRequest::after(alices, 1))
            .await,
    ];
    for outcome in refused {
        assert_eq!(outcome, Err(StoreError::BadCursor));
    }
}
