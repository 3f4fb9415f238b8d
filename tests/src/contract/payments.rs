//! What every [`PaymentStore`] must do.

use std::sync::Arc;

use mambogo::ids::OrderId;
use mambogo::money::{Currency, Money};
use mambogo::payments::{Payment, PaymentStatus};
use mambogo::ports::{PaymentStore, StoreError};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::NOW;

const CONCURRENT_DELIVERIES: i64 = 20;

/// A new payment (version 1) of a new order, paid with `payment_token`.
fn authorizing(payment_token: &str) -> Payment {
    Payment::authorizing(
        OrderId::from_uuid(Uuid::new_v4()),
        Money::new(10_692, Currency::USD),
        payment_token.to_owned(),
        "task-token-1".to_owned(),
        NOW,
    )
}

async fn save(store: &dyn PaymentStore, payment: &Payment) {
    store
        .save(payment)
        .await
        .unwrap_or_else(|error| panic!("saving version {}: {error}", payment.version));
}

async fn read(store: &dyn PaymentStore, order: &OrderId) -> Option<Payment> {
    store.payment(order).await.expect("reading a payment")
}

async fn apply(
    store: &dyn PaymentStore,
    event_id: &str,
    payment: &Payment,
    now: OffsetDateTime,
) -> Result<bool, StoreError> {
    store.apply_gateway_event(event_id, payment, now).await
}

/// A saved payment reads back as written; an unknown order has no payment.
pub async fn check_saved_payment_reads_back(store: Arc<dyn PaymentStore>) {
    let payment = authorizing("tok_visa");
    assert_eq!(payment.version, 1);
    assert_eq!(read(&*store, &payment.order_id).await, None);
    save(&*store, &payment).await;
    assert_eq!(read(&*store, &payment.order_id).await, Some(payment));
}

/// Creating a payment for an order that has one is a conflict and changes nothing.
pub async fn check_second_create_conflicts(store: Arc<dyn PaymentStore>) {
    let first = authorizing("tok_visa");
    save(&*store, &first).await;
    let second = Payment {
        order_id: first.order_id,
        ..authorizing("tok_mastercard")
    };
    assert_eq!(store.save(&second).await, Err(StoreError::Conflict));
    assert_eq!(read(&*store, &first.order_id).await, Some(first));
}

/// An update applies to the version it was based on, and to no other.
pub async fn check_update_needs_the_stored_version(store: Arc<dyn PaymentStore>) {
    let v1 = authorizing("tok_visa");
    save(&*store, &v1).await;
    let later = NOW + Duration::minutes(1);
    let v2 = v1.moved_to(PaymentStatus::Authorized, later);
    save(&*store, &v2).await;
    assert_eq!(read(&*store, &v1.order_id).await, Some(v2.clone()));

    let stale = v1.moved_to(PaymentStatus::Declined, later);
    assert_eq!(stale.version, 2);
    assert_eq!(store.save(&stale).await, Err(StoreError::Conflict));
    let skipping = v2
        .moved_to(PaymentStatus::Captured, later)
        .moved_to(PaymentStatus::Refunded, later);
    assert_eq!(store.save(&skipping).await, Err(StoreError::Conflict));
    assert_eq!(read(&*store, &v1.order_id).await, Some(v2));

    let never_created = authorizing("tok_amex").moved_to(PaymentStatus::Authorized, later);
    assert_eq!(store.save(&never_created).await, Err(StoreError::Conflict));
    assert_eq!(read(&*store, &never_created.order_id).await, None);
}

/// A gateway event applies once: its redelivery writes nothing, even with a payment
/// that could be saved.
pub async fn check_gateway_event_applies_once(store: Arc<dyn PaymentStore>) {
    let v1 = authorizing("tok_visa");
    save(&*store, &v1).await;
    let later = NOW + Duration::minutes(1);
    let authorized = v1.moved_to(PaymentStatus::Authorized, later);
    assert_eq!(apply(&*store, "evt_1", &authorized, later).await, Ok(true));
    assert_eq!(read(&*store, &v1.order_id).await, Some(authorized.clone()));

    let again = later + Duration::minutes(1);
    let redelivered = authorized.moved_to(PaymentStatus::Declined, again);
    assert_eq!(
        apply(&*store, "evt_1", &redelivered, again).await,
        Ok(false)
    );
    assert_eq!(read(&*store, &v1.order_id).await, Some(authorized.clone()));
    let stale = v1.moved_to(PaymentStatus::Declined, again);
    assert_eq!(apply(&*store, "evt_1", &stale, again).await, Ok(false));
    assert_eq!(read(&*store, &v1.order_id).await, Some(authorized));
}

/// A gateway event whose payment is stale is a conflict and is not recorded: applied
/// again with the stored version, it goes through.
pub async fn check_gateway_event_with_stale_payment_is_not_recorded(store: Arc<dyn PaymentStore>) {
    let v1 = authorizing("tok_visa");
    save(&*store, &v1).await;
    let later = NOW + Duration::minutes(1);
    let v2 = v1.moved_to(PaymentStatus::Authorized, later);
    save(&*store, &v2).await;

    let stale = v1.moved_to(PaymentStatus::Declined, later);
    assert_eq!(
        apply(&*store, "evt_2", &stale, later).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(read(&*store, &v1.order_id).await, Some(v2.clone()));

    let captured = v2.moved_to(PaymentStatus::Captured, later);
    assert_eq!(apply(&*store, "evt_2", &captured, later).await, Ok(true));
    assert_eq!(read(&*store, &v1.order_id).await, Some(captured));
}

/// Of many deliveries of one gateway event applied at once, exactly one applies; the
/// others find it recorded, or collide with it and are told to read again.
pub async fn check_concurrent_deliveries_apply_once(store: Arc<dyn PaymentStore>) {
    let v1 = authorizing("tok_visa");
    save(&*store, &v1).await;
    let candidates: Vec<Payment> = (0..CONCURRENT_DELIVERIES)
        .map(|delivery| v1.moved_to(PaymentStatus::Authorized, NOW + Duration::seconds(delivery)))
        .collect();
    let deliveries = candidates.iter().cloned().map(|candidate| {
        let store = Arc::clone(&store);
        tokio::spawn(async move { store.apply_gateway_event("evt_3", &candidate, NOW).await })
    });
    let outcomes: Vec<Result<bool, StoreError>> = futures::future::join_all(deliveries)
        .await
        .into_iter()
        .map(|joined| joined.expect("a delivery task finished"))
        .collect();
    let applied: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, outcome)| **outcome == Ok(true))
        .map(|(index, _)| index)
        .collect();
    assert_eq!(applied.len(), 1, "outcomes: {outcomes:?}");
    assert!(outcomes
        .iter()
        .all(|outcome| matches!(outcome, Ok(_) | Err(StoreError::Conflict))));
    assert_eq!(
        read(&*store, &v1.order_id).await,
        Some(candidates[applied[0]].clone())
    );
}
