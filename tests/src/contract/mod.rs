//! The store contract suites: what every adapter of a port must do, written once
//! against the port's trait. Each check takes a fresh, empty store and panics with the
//! broken promise; a test file runs every check against every adapter.

pub mod address_books;
pub mod cart;
pub mod catalog;
pub mod coupons;
pub mod flash_sales;
pub mod holds;
pub mod idempotency;
pub mod inventory;
pub mod journal;
pub mod mock_ledger;
pub mod notifications;
pub mod operations;
pub mod orders;
pub mod payments;
pub mod reviews;

use mambogo::domain::store::StoreError;
use time::macros::datetime;
use time::OffsetDateTime;
use tokio::task::JoinHandle;

/// The fixed "now" of every check, so that expiries and ages are the same on every run.
const NOW: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

/// Waits for `writers`, each racing to write the candidate at its index, and asserts that
/// exactly one won and every other was told of a conflict: the winner's index.
async fn sole_winner(
    writers: impl IntoIterator<Item = JoinHandle<Result<(), StoreError>>>,
) -> usize {
    let outcomes: Vec<Result<(), StoreError>> = futures::future::join_all(writers)
        .await
        .into_iter()
        .map(|joined| joined.expect("a writer task finished"))
        .collect();
    let winners: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, outcome)| outcome.is_ok())
        .map(|(index, _)| index)
        .collect();
    assert_eq!(winners.len(), 1, "outcomes: {outcomes:?}");
    assert!(outcomes
        .iter()
        .all(|outcome| matches!(outcome, Ok(()) | Err(StoreError::Conflict))));
    winners[0]
}
