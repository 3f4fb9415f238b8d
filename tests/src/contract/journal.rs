//! What every [`OrderJournal`] must do.

use std::sync::Arc;

use mambogo::domain::ids::OrderId;
use mambogo::domain::journal::{Happened, JournalEntry, OrderJournal};
use time::Duration;
use uuid::Uuid;

use super::NOW;

const CONCURRENT_RECORDS: usize = 20;

fn new_order() -> OrderId {
    OrderId::from_uuid(Uuid::new_v4())
}

/// An entry of `order` about the event `event_id`, `seconds` after [`NOW`].
fn entry(order: OrderId, event_id: &str, seconds: i64, what: Happened) -> JournalEntry {
    JournalEntry {
        order_id: order,
        at: NOW + Duration::seconds(seconds),
        detail_type: "OrderConfirmed".to_owned(),
        event_id: event_id.to_owned(),
        what,
    }
}

fn handled(consumer: &str) -> Happened {
    Happened::Handled {
        consumer: consumer.to_owned(),
    }
}

fn failed(consumer: &str, error: &str) -> Happened {
    Happened::Failed {
        consumer: consumer.to_owned(),
        error: error.to_owned(),
    }
}

async fn record(store: &dyn OrderJournal, entry: &JournalEntry) -> bool {
    store
        .record(entry)
        .await
        .unwrap_or_else(|error| panic!("recording {}: {error}", entry.key()))
}

async fn entries(store: &dyn OrderJournal, order: &OrderId) -> Vec<JournalEntry> {
    store
        .entries(order)
        .await
        .unwrap_or_else(|error| panic!("reading the journal of {order}: {error}"))
}

/// A publish and a handling are kept once however often they are recorded (with
/// whatever time); each failure is kept.
pub async fn check_entries_are_kept_once_by_key(store: Arc<dyn OrderJournal>) {
    let order = new_order();
    let published = entry(order, "e-1", 0, Happened::Published);
    assert!(record(&*store, &published).await);
    assert!(!record(&*store, &published).await, "the same publish again");
    let later = entry(order, "e-1", 5, Happened::Published);
    assert!(!record(&*store, &later).await, "a redelivery, read later");

    let done = entry(order, "e-1", 2, handled("clear-cart"));
    assert!(record(&*store, &done).await);
    assert!(!record(&*store, &entry(order, "e-1", 3, handled("clear-cart"))).await);
    assert!(record(&*store, &entry(order, "e-1", 2, handled("notify-shopper"))).await);

    let first = entry(order, "e-1", 1, failed("count-events", "down"));
    let second = entry(order, "e-1", 4, failed("count-events", "down"));
    assert!(record(&*store, &first).await);
    assert!(record(&*store, &second).await, "every failure is kept");

    assert_eq!(entries(&*store, &order).await.len(), 5);
}

/// An order's entries come back whole, oldest first, and only that order's.
pub async fn check_entries_are_read_in_time_order(store: Arc<dyn OrderJournal>) {
    let (order, other) = (new_order(), new_order());
    let written = [
        entry(order, "e-2", 30, handled("notify-shopper")),
        entry(order, "e-1", 10, Happened::Published),
        entry(order, "e-2", 20, Happened::Published),
        entry(
            order,
            "e-1",
            15,
            failed("clear-cart", "the cart store is down"),
        ),
        entry(order, "e-1", 25, handled("clear-cart")),
    ];
    for written in &written {
        assert!(record(&*store, written).await);
    }
    assert!(record(&*store, &entry(other, "e-9", 0, Happened::Published)).await);

    let read = entries(&*store, &order).await;
    let mut expected = written.to_vec();
    expected.sort_by_key(|entry| entry.at);
    assert_eq!(read, expected);
    assert!(entries(&*store, &new_order()).await.is_empty());
}

/// Concurrent records of the same handling keep exactly one, and only one of them is
/// told it wrote.
pub async fn check_concurrent_records_keep_one(store: Arc<dyn OrderJournal>) {
    let order = new_order();
    let tasks: Vec<_> = (0..CONCURRENT_RECORDS)
        .map(|attempt| {
            let store = Arc::clone(&store);
            let seconds = i64::try_from(attempt).unwrap_or_default();
            tokio::spawn(async move {
                record(
                    &*store,
                    &entry(order, "e-1", seconds, handled("clear-cart")),
                )
                .await
            })
        })
        .collect();
    let mut written = 0;
    for task in tasks {
        if task.await.expect("a record task") {
            written += 1;
        }
    }
    assert_eq!(written, 1);
    assert_eq!(entries(&*store, &order).await.len(), 1);
}
