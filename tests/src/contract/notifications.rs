//! What every [`NotificationOutbox`] must do.

use std::sync::Arc;

use mambogo::domain::ids::OrderId;
use mambogo::domain::mail::EmailAddress;
use mambogo::domain::operations::{Delivery, Notification, NotificationOutbox};
use mambogo::domain::store::{PageRequest, StoreError};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::NOW;

const CONCURRENT_RECORDS: i64 = 20;

/// A notification to `recipient` about a new event of `kind`, made at `created_at`.
fn notification(recipient: &str, kind: &str, created_at: OffsetDateTime) -> Notification {
    Notification {
        event_id: Uuid::new_v4().to_string(),
        kind: kind.to_owned(),
        recipient: recipient.to_owned(),
        order_id: Some(OrderId::from_uuid(Uuid::new_v4())),
        subject: format!("{kind} for {recipient}"),
        body: "Your order is on its way.".to_owned(),
        created_at,
        delivery: None,
    }
}

async fn record(store: &dyn NotificationOutbox, notification: &Notification) -> bool {
    store
        .record(notification)
        .await
        .unwrap_or_else(|error| panic!("recording {}: {error}", notification.event_id))
}

/// Every page of `recipient`'s notifications, `limit` at a time.
async fn every_page(
    store: &dyn NotificationOutbox,
    recipient: &str,
    limit: u32,
) -> Vec<Vec<Notification>> {
    let mut pages = Vec::new();
    let mut request = PageRequest::first(limit);
    loop {
        let page = store
            .notifications_for(recipient, &request)
            .await
            .expect("reading a page of notifications");
        assert!(page.items.len() <= limit as usize, "a page past its limit");
        pages.push(page.items);
        match page.next_cursor {
            Some(cursor) => request = PageRequest::after(cursor, limit),
            None => return pages,
        }
    }
}

/// A notification is kept once per event and kind: recorded again, even changed, it is
/// not; the same event with another kind is another notification.
pub async fn check_notification_is_recorded_once(store: Arc<dyn NotificationOutbox>) {
    let first = notification("alice", "OrderShipped", NOW);
    assert!(record(&*store, &first).await);
    let again = Notification {
        subject: "changed".to_owned(),
        created_at: NOW + Duration::minutes(1),
        ..first.clone()
    };
    assert!(!record(&*store, &again).await);
    assert!(!record(&*store, &first).await);
    let other_kind = Notification {
        kind: "OrderDelivered".to_owned(),
        created_at: NOW + Duration::minutes(2),
        ..first.clone()
    };
    assert!(record(&*store, &other_kind).await);
    let operators = Notification {
        event_id: Uuid::new_v4().to_string(),
        recipient: "operators".to_owned(),
        order_id: None,
        ..first.clone()
    };
    assert!(record(&*store, &operators).await);

    assert_eq!(
        every_page(&*store, "alice", 10).await,
        [vec![other_kind, first]]
    );
    assert_eq!(
        every_page(&*store, "operators", 10).await,
        [vec![operators]]
    );
    assert_eq!(every_page(&*store, "bob", 10).await, [Vec::new()]);
}

/// The kept copy of a notification is found by its event and kind, whatever its time;
/// its delivery is written over it, and a delivery of a notification never kept writes
/// nothing.
pub async fn check_deliveries_are_kept_on_the_notification(store: Arc<dyn NotificationOutbox>) {
    let first = notification("carol", "OrderConfirmed", NOW);
    assert_eq!(store.kept(&first).await, Ok(None));
    assert!(record(&*store, &first).await);
    let redelivered = Notification {
        created_at: NOW + Duration::minutes(3),
        ..first.clone()
    };
    assert_eq!(store.kept(&redelivered).await, Ok(Some(first.clone())));

    let delivered = Notification {
        delivery: Some(Delivery::Sent {
            to: EmailAddress::parse("carol@example.com").unwrap(),
            message_id: "0100-abc".to_owned(),
            at: NOW + Duration::seconds(5),
        }),
        ..first.clone()
    };
    assert_eq!(store.save_delivery(&delivered).await, Ok(true));
    assert_eq!(store.kept(&redelivered).await, Ok(Some(delivered.clone())));
    assert_eq!(every_page(&*store, "carol", 10).await, [vec![delivered]]);

    let never_kept = Notification {
        delivery: Some(Delivery::Unsent {
            reason: "no address".to_owned(),
            at: NOW,
        }),
        ..notification("dave", "OrderShipped", NOW)
    };
    assert_eq!(store.save_delivery(&never_kept).await, Ok(false));
    assert_eq!(store.kept(&never_kept).await, Ok(None));
    assert_eq!(every_page(&*store, "dave", 10).await, [Vec::new()]);
}

/// A recipient's notifications are listed newest first, a page at a time, each once.
pub async fn check_notifications_are_listed_newest_first(store: Arc<dyn NotificationOutbox>) {
    let alices: Vec<Notification> = (0..5)
        .map(|second| notification("alice", "OrderConfirmed", NOW + Duration::seconds(second)))
        .collect();
    let same_instant: Vec<Notification> = (0..3)
        .map(|_| notification("alice", "OrderShipped", NOW - Duration::hours(1)))
        .collect();
    for notification in alices.iter().chain(&same_instant) {
        assert!(record(&*store, notification).await);
    }
    assert!(record(&*store, &notification("bob", "OrderConfirmed", NOW)).await);

    let pages = every_page(&*store, "alice", 3).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 2]);
    let listed: Vec<Notification> = pages.concat();
    let newest_first: Vec<Notification> = alices.iter().rev().cloned().collect();
    assert_eq!(listed[..5], newest_first[..]);
    let mut older: Vec<String> = listed[5..].iter().map(|n| n.event_id.clone()).collect();
    let mut expected: Vec<String> = same_instant.iter().map(|n| n.event_id.clone()).collect();
    older.sort();
    expected.sort();
    assert_eq!(
        older, expected,
        "notifications of one instant each listed once"
    );
}

/// Of many records of one event and kind at once, exactly one is kept.
pub async fn check_concurrent_records_keep_one(store: Arc<dyn NotificationOutbox>) {
    let first = notification("alice", "OrderRefunded", NOW);
    let candidates: Vec<Notification> = (0..CONCURRENT_RECORDS)
        .map(|delivery| Notification {
            created_at: NOW + Duration::seconds(delivery),
            ..first.clone()
        })
        .collect();
    let records = candidates.iter().cloned().map(|candidate| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.record(&candidate).await })
    });
    let outcomes: Vec<Result<bool, StoreError>> = futures::future::join_all(records)
        .await
        .into_iter()
        .map(|joined| joined.expect("a record task finished"))
        .collect();
    let kept = outcomes
        .iter()
        .filter(|outcome| **outcome == Ok(true))
        .count();
    assert_eq!(kept, 1, "{outcomes:?}");
    assert!(outcomes
        .iter()
        .all(|outcome| matches!(outcome, Ok(_) | Err(StoreError::Conflict))));
    assert_eq!(every_page(&*store, "alice", 100).await[0].len(), 1);
}

/// A cursor that no listing handed out, or that another recipient's did, is refused.
pub async fn check_bad_notification_cursors_are_refused(store: Arc<dyn NotificationOutbox>) {
    for second in 0..2 {
        record(
            &*store,
            &notification("alice", "OrderShipped", NOW + Duration::seconds(second)),
        )
        .await;
    }
    let cursor = store
        .notifications_for("alice", &PageRequest::first(1))
        .await
        .expect("listing alice's notifications")
        .next_cursor
        .expect("more follow");
    for (recipient, cursor) in [("alice", "e30".to_owned()), ("bob", cursor)] {
        assert_eq!(
            store
                .notifications_for(recipient, &PageRequest::after(cursor, 1))
                .await,
            Err(StoreError::BadCursor)
        );
    }
}
