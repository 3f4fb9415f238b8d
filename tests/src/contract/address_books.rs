//! What every [`AddressBookStore`] must do.

use std::sync::Arc;

use mambogo::domain::address::Address;
use mambogo::domain::address_book::{AddressBook, AddressBookStore};
use mambogo::domain::ids::{AddressId, UserId};
use mambogo::domain::store::StoreError;
use uuid::Uuid;

use super::{sole_winner, NOW};

const CONCURRENT_WRITERS: u32 = 20;

fn user(name: &str) -> UserId {
    UserId::parse(name).expect("a valid user id")
}

fn address(line1: &str) -> Address {
    Address {
        name: "Alice Example".into(),
        line1: line1.into(),
        line2: None,
        city: "San Francisco".into(),
        region: Some("CA".into()),
        postal_code: "94105".into(),
        country: "US".into(),
    }
}

/// `book` with one more address, one version on.
fn with_address(book: &AddressBook, line1: &str) -> AddressBook {
    let mut next = book.clone();
    next.add(
        AddressId::from_uuid(Uuid::new_v4()),
        address(line1),
        false,
        NOW,
    )
    .expect("room in the book");
    next.version += 1;
    next
}

async fn save(store: &dyn AddressBookStore, book: &AddressBook) {
    store
        .save(book)
        .await
        .unwrap_or_else(|error| panic!("saving version {}: {error}", book.version));
}

async fn read(store: &dyn AddressBookStore, owner: &UserId) -> Option<AddressBook> {
    store.address_book(owner).await.expect("reading a book")
}

/// A created book reads back as written, under its owner only.
pub async fn check_created_book_reads_back(store: Arc<dyn AddressBookStore>) {
    let alice = user("alice");
    assert_eq!(read(&*store, &alice).await, None);
    let book = with_address(&AddressBook::empty(alice.clone()), "1 Main");
    assert_eq!(book.version, 1);
    save(&*store, &book).await;
    assert_eq!(read(&*store, &alice).await, Some(book));
    assert_eq!(read(&*store, &user("bob")).await, None);
}

/// Creating a book the shopper already has is a conflict.
pub async fn check_second_create_conflicts(store: Arc<dyn AddressBookStore>) {
    let alice = user("alice");
    let first = with_address(&AddressBook::empty(alice.clone()), "1 Main");
    save(&*store, &first).await;
    let second = with_address(&AddressBook::empty(alice.clone()), "2 Main");
    assert_eq!(store.save(&second).await, Err(StoreError::Conflict));
    assert_eq!(read(&*store, &alice).await, Some(first));
}

/// An update applies to the version it was based on, and to no other.
pub async fn check_update_needs_the_stored_version(store: Arc<dyn AddressBookStore>) {
    let alice = user("alice");
    let v1 = with_address(&AddressBook::empty(alice.clone()), "1 Main");
    save(&*store, &v1).await;
    let v2 = with_address(&v1, "2 Main");
    save(&*store, &v2).await;
    let stale = with_address(&v1, "3 Main");
    assert_eq!(stale.version, 2);
    assert_eq!(store.save(&stale).await, Err(StoreError::Conflict));
    let skipping = with_address(&with_address(&v2, "4 Main"), "5 Main");
    assert_eq!(store.save(&skipping).await, Err(StoreError::Conflict));
    assert_eq!(read(&*store, &alice).await, Some(v2));
}

/// Of many writers racing from the same version, exactly one wins.
pub async fn check_concurrent_saves_admit_one(store: Arc<dyn AddressBookStore>) {
    let alice = user("alice");
    let v1 = with_address(&AddressBook::empty(alice.clone()), "1 Main");
    save(&*store, &v1).await;
    let candidates: Vec<AddressBook> = (1..=CONCURRENT_WRITERS)
        .map(|n| with_address(&v1, &format!("{n} High St")))
        .collect();
    let writers = candidates.iter().cloned().map(|candidate| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.save(&candidate).await })
    });
    let winner = sole_winner(writers).await;
    assert_eq!(
        read(&*store, &alice).await,
        Some(candidates[winner].clone())
    );
}
