//! What every [`CartStore`] must do.

use std::sync::Arc;

use mambogo::domain::cart::CartStore;
use mambogo::domain::cart::{Cart, CartOwner, GUEST_CART_TTL};
use mambogo::domain::catalog::{Product, ProductDraft};
use mambogo::domain::ids::{CartId, CartItemId, ProductId, UserId};
use mambogo::domain::store::StoreError;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{sole_winner, NOW};

const CONCURRENT_WRITERS: u32 = 20;

fn headphones() -> Product {
    let draft: ProductDraft = serde_json::from_value(json!({
        "name": "Headphones", "brand": "Sonora", "categoryId": "audio",
        "variants": [{"sku": "HP-1", "name": "Black", "price": {"amount": 9900, "currency": "USD"}, "stock": 100}]
    }))
    .expect("a valid draft");
    Product::create(ProductId::parse("hp-1").expect("a valid id"), draft, NOW)
}

/// `cart` with `quantity` more headphones, written at `now` (so one version on).
fn added(cart: &Cart, quantity: u32, now: OffsetDateTime) -> Cart {
    let product = headphones();
    let mut next = cart.clone();
    next.add(
        CartItemId::from_uuid(Uuid::new_v4()),
        &product,
        &product.variants[0],
        quantity,
        now,
    )
    .expect("a quantity the cart accepts");
    next.touch(now);
    next
}

/// A guest cart as its first save writes it: version 1.
fn new_guest_cart(now: OffsetDateTime) -> Cart {
    let empty = Cart::new(CartId::from_uuid(Uuid::new_v4()), CartOwner::Guest, now);
    added(&empty, 1, now)
}

async fn save(store: &dyn CartStore, cart: &Cart, now: OffsetDateTime) {
    store
        .save(cart, now)
        .await
        .unwrap_or_else(|error| panic!("saving version {}: {error}", cart.version));
}

async fn read(store: &dyn CartStore, id: &CartId, now: OffsetDateTime) -> Option<Cart> {
    store.cart(id, now).await.expect("reading a cart")
}

/// A created cart reads back as written; an unknown id reads as nothing.
pub async fn check_created_cart_reads_back(store: Arc<dyn CartStore>) {
    let cart = new_guest_cart(NOW);
    assert_eq!(cart.version, 1);
    assert_eq!(read(&*store, &cart.id, NOW).await, None);
    save(&*store, &cart, NOW).await;
    assert_eq!(read(&*store, &cart.id, NOW).await, Some(cart));
}

/// Creating a cart whose id is live is a conflict.
pub async fn check_second_create_conflicts(store: Arc<dyn CartStore>) {
    let first = new_guest_cart(NOW);
    save(&*store, &first, NOW).await;
    let second = added(&Cart::new(first.id, CartOwner::Guest, NOW), 5, NOW);
    assert_eq!(store.save(&second, NOW).await, Err(StoreError::Conflict));
    assert_eq!(read(&*store, &first.id, NOW).await, Some(first));
}

/// An update applies to the version it was based on, and to no other.
pub async fn check_update_needs_the_stored_version(store: Arc<dyn CartStore>) {
    let v1 = new_guest_cart(NOW);
    save(&*store, &v1, NOW).await;
    let later = NOW + Duration::minutes(5);
    let v2 = added(&v1, 2, later);
    save(&*store, &v2, later).await;
    assert_eq!(read(&*store, &v1.id, later).await, Some(v2.clone()));

    let stale = added(&v1, 7, later);
    assert_eq!(stale.version, 2);
    assert_eq!(store.save(&stale, later).await, Err(StoreError::Conflict));
    let skipping = added(&v2, 1, later);
    let skipping = added(&skipping, 1, later);
    assert_eq!(
        store.save(&skipping, later).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(read(&*store, &v1.id, later).await, Some(v2));
}

/// An expired cart reads as nothing, and its id can start a new cart at version 1.
pub async fn check_expired_cart_can_be_recreated(store: Arc<dyn CartStore>) {
    let old = new_guest_cart(NOW);
    save(&*store, &old, NOW).await;
    let expiry = NOW + GUEST_CART_TTL;
    assert_eq!(old.expires_at, expiry);
    assert_eq!(
        read(&*store, &old.id, expiry - Duration::seconds(1)).await,
        Some(old.clone())
    );
    assert_eq!(read(&*store, &old.id, expiry).await, None);

    let later = expiry + Duration::days(1);
    let fresh = added(&Cart::new(old.id, CartOwner::Guest, later), 3, later);
    assert_eq!(fresh.version, 1);
    save(&*store, &fresh, later).await;
    assert_eq!(read(&*store, &old.id, later).await, Some(fresh));
}

/// An update of an expired cart is a conflict, even at the right version.
pub async fn check_update_of_expired_cart_conflicts(store: Arc<dyn CartStore>) {
    let v1 = new_guest_cart(NOW);
    save(&*store, &v1, NOW).await;
    let after_expiry = NOW + GUEST_CART_TTL + Duration::days(1);
    let v2 = added(&v1, 1, after_expiry);
    assert_eq!(
        store.save(&v2, after_expiry).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(read(&*store, &v1.id, after_expiry).await, None);
}

/// A merge writes the user's cart, new or existing, and deletes the guest cart.
pub async fn check_save_merged_moves_the_guest_cart(store: Arc<dyn CartStore>) {
    let alice = UserId::parse("alice").expect("a valid user id");
    let user_cart = Cart::new(CartId::for_user(&alice), CartOwner::User(alice), NOW);

    let first_guest = new_guest_cart(NOW);
    save(&*store, &first_guest, NOW).await;
    let mut merged = user_cart.clone();
    merged.merge(&first_guest);
    merged.touch(NOW);
    assert_eq!(merged.version, 1);
    store
        .save_merged(&merged, &first_guest, NOW)
        .await
        .expect("merging into a new user cart");
    assert_eq!(read(&*store, &merged.id, NOW).await, Some(merged.clone()));
    assert_eq!(read(&*store, &first_guest.id, NOW).await, None);

    let second_guest = new_guest_cart(NOW);
    save(&*store, &second_guest, NOW).await;
    merged.merge(&second_guest);
    merged.touch(NOW);
    assert_eq!(merged.version, 2);
    store
        .save_merged(&merged, &second_guest, NOW)
        .await
        .expect("merging into an existing user cart");
    assert_eq!(read(&*store, &merged.id, NOW).await, Some(merged));
    assert_eq!(read(&*store, &second_guest.id, NOW).await, None);
}

/// A merge based on a guest cart that has moved on, or on a stale user cart, changes
/// nothing.
pub async fn check_save_merged_with_stale_carts_changes_nothing(store: Arc<dyn CartStore>) {
    let guest_v1 = new_guest_cart(NOW);
    save(&*store, &guest_v1, NOW).await;
    let guest_v2 = added(&guest_v1, 1, NOW);
    save(&*store, &guest_v2, NOW).await;

    let bob = UserId::parse("bob").expect("a valid user id");
    let mut merged = Cart::new(CartId::for_user(&bob), CartOwner::User(bob), NOW);
    merged.merge(&guest_v1);
    merged.touch(NOW);
    assert_eq!(
        store.save_merged(&merged, &guest_v1, NOW).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(read(&*store, &merged.id, NOW).await, None);
    assert_eq!(
        read(&*store, &guest_v1.id, NOW).await,
        Some(guest_v2.clone())
    );

    let mut skipping = merged.clone();
    skipping.touch(NOW);
    assert_eq!(skipping.version, 2);
    assert_eq!(
        store.save_merged(&skipping, &guest_v2, NOW).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(read(&*store, &merged.id, NOW).await, None);
    assert_eq!(read(&*store, &guest_v2.id, NOW).await, Some(guest_v2));
}

/// Of many writers saving the same next version at once, exactly one wins.
pub async fn check_concurrent_saves_admit_one(store: Arc<dyn CartStore>) {
    let v1 = new_guest_cart(NOW);
    save(&*store, &v1, NOW).await;
    let candidates: Vec<Cart> = (1..=CONCURRENT_WRITERS)
        .map(|quantity| added(&v1, quantity, NOW))
        .collect();
    let writers = candidates.iter().cloned().map(|candidate| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.save(&candidate, NOW).await })
    });
    let winner = sole_winner(writers).await;
    assert_eq!(
        read(&*store, &v1.id, NOW).await,
        Some(candidates[winner].clone())
    );
}
