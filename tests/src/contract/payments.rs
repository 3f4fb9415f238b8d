//! What every [`PaymentStore`] must do.

use std::sync::Arc;

use mambogo::domain::ids::OrderId;
use mambogo::domain::ids::Sku;
use mambogo::domain::money::{Currency, Money};
use mambogo::domain::payments::PaymentStore;
use mambogo::domain::payments::{Payment, PaymentStatus, Refund, RefundLine, RefundStatus};
use mambogo::domain::store::{Page, PageRequest, StoreError};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::NOW;

const CONCURRENT_DELIVERIES: i64 = 20;

/// A new payment (version 1) of a new order, paid with `payment_token`.
/// `payment` in `status` at `at`, the next version: what a store may be handed to
/// write. Stores keep whatever status they are given; which moves are legal is the
/// domain's business ([`Payment::transition`]), not theirs.
pub fn stored_as(payment: &Payment, status: PaymentStatus, at: OffsetDateTime) -> Payment {
    Payment {
        status,
        updated_at: at,
        version: payment.version + 1,
        ..payment.clone()
    }
}

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
    let v2 = stored_as(&v1, PaymentStatus::Authorized, later);
    save(&*store, &v2).await;
    assert_eq!(read(&*store, &v1.order_id).await, Some(v2.clone()));

    let stale = stored_as(&v1, PaymentStatus::Declined, later);
    assert_eq!(stale.version, 2);
    assert_eq!(store.save(&stale).await, Err(StoreError::Conflict));
    let skipping = stored_as(
        &stored_as(&v2, PaymentStatus::Captured, later),
        PaymentStatus::Refunded,
        later,
    );
    assert_eq!(store.save(&skipping).await, Err(StoreError::Conflict));
    assert_eq!(read(&*store, &v1.order_id).await, Some(v2));

    let never_created = stored_as(&authorizing("tok_amex"), PaymentStatus::Authorized, later);
    assert_eq!(store.save(&never_created).await, Err(StoreError::Conflict));
    assert_eq!(read(&*store, &never_created.order_id).await, None);
}

/// A gateway event applies once: its redelivery writes nothing, even with a payment
/// that could be saved.
pub async fn check_gateway_event_applies_once(store: Arc<dyn PaymentStore>) {
    let v1 = authorizing("tok_visa");
    save(&*store, &v1).await;
    let later = NOW + Duration::minutes(1);
    let authorized = stored_as(&v1, PaymentStatus::Authorized, later);
    assert_eq!(apply(&*store, "evt_1", &authorized, later).await, Ok(true));
    assert_eq!(read(&*store, &v1.order_id).await, Some(authorized.clone()));

    let again = later + Duration::minutes(1);
    let redelivered = stored_as(&authorized, PaymentStatus::Declined, again);
    assert_eq!(
        apply(&*store, "evt_1", &redelivered, again).await,
        Ok(false)
    );
    assert_eq!(read(&*store, &v1.order_id).await, Some(authorized.clone()));
    let stale = stored_as(&v1, PaymentStatus::Declined, again);
    assert_eq!(apply(&*store, "evt_1", &stale, again).await, Ok(false));
    assert_eq!(read(&*store, &v1.order_id).await, Some(authorized));
}

/// A gateway event whose payment is stale is a conflict and is not recorded: applied
/// again with the stored version, it goes through.
pub async fn check_gateway_event_with_stale_payment_is_not_recorded(store: Arc<dyn PaymentStore>) {
    let v1 = authorizing("tok_visa");
    save(&*store, &v1).await;
    let later = NOW + Duration::minutes(1);
    let v2 = stored_as(&v1, PaymentStatus::Authorized, later);
    save(&*store, &v2).await;

    let stale = stored_as(&v1, PaymentStatus::Declined, later);
    assert_eq!(
        apply(&*store, "evt_2", &stale, later).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(read(&*store, &v1.order_id).await, Some(v2.clone()));

    let captured = stored_as(&v2, PaymentStatus::Captured, later);
    assert_eq!(apply(&*store, "evt_2", &captured, later).await, Ok(true));
    assert_eq!(read(&*store, &v1.order_id).await, Some(captured));
}

/// Of many deliveries of one gateway event applied at once, exactly one applies; the
/// others find it recorded, or collide with it and are told to read again.
pub async fn check_concurrent_deliveries_apply_once(store: Arc<dyn PaymentStore>) {
    let v1 = authorizing("tok_visa");
    save(&*store, &v1).await;
    let candidates: Vec<Payment> = (0..CONCURRENT_DELIVERIES)
        .map(|delivery| {
            stored_as(
                &v1,
                PaymentStatus::Authorized,
                NOW + Duration::seconds(delivery),
            )
        })
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

fn order_ids(payments: &[Payment]) -> Vec<OrderId> {
    payments.iter().map(|payment| payment.order_id).collect()
}

/// Every page of the payments in `status`, `limit` at a time: the order ids of each.
async fn every_page(
    store: &dyn PaymentStore,
    status: PaymentStatus,
    limit: u32,
) -> Vec<Vec<OrderId>> {
    let mut pages = Vec::new();
    let mut request = PageRequest::first(limit);
    loop {
        let page = store
            .payments_with_status(status, &request)
            .await
            .expect("reading a page of payments");
        assert!(page.items.len() <= limit as usize, "a page past its limit");
        pages.push(order_ids(&page.items));
        match page.next_cursor {
            Some(cursor) => request = PageRequest::after(cursor, limit),
            None => return pages,
        }
    }
}

/// The payments in a status are listed by when they last changed, oldest first, and
/// follow their changes; applied gateway events never show.
pub async fn check_payments_are_listed_by_status(store: Arc<dyn PaymentStore>) {
    let mut captured = Vec::new();
    for minute in 0..4 {
        let v1 = authorizing("tok_visa");
        save(&*store, &v1).await;
        let at = NOW + Duration::minutes(10 - minute);
        let authorized = stored_as(&v1, PaymentStatus::Authorized, at);
        assert_eq!(
            apply(&*store, &format!("evt_{minute}"), &authorized, at).await,
            Ok(true)
        );
        let done = stored_as(&authorized, PaymentStatus::Captured, at);
        save(&*store, &done).await;
        captured.push(done);
    }
    let waiting = authorizing("tok_visa");
    save(&*store, &waiting).await;
    let oldest_change_first: Vec<OrderId> = order_ids(&captured).into_iter().rev().collect();

    assert_eq!(
        every_page(&*store, PaymentStatus::Captured, 3).await,
        [
            oldest_change_first[..3].to_vec(),
            oldest_change_first[3..].to_vec()
        ]
    );
    assert_eq!(
        every_page(&*store, PaymentStatus::Authorizing, 3).await,
        [vec![waiting.order_id]]
    );
    assert_eq!(
        every_page(&*store, PaymentStatus::Authorized, 3).await,
        [Vec::<OrderId>::new()],
        "payments show under their current status only"
    );

    let refunded = stored_as(
        &captured[0],
        PaymentStatus::Refunded,
        NOW + Duration::hours(1),
    );
    save(&*store, &refunded).await;
    let listed = store
        .payments_with_status(PaymentStatus::Refunded, &PageRequest::first(10))
        .await
        .expect("listing refunded payments");
    assert_eq!(listed, Page::new(vec![refunded], None), "read back whole");
    assert_eq!(
        every_page(&*store, PaymentStatus::Captured, 10).await,
        [oldest_change_first[..3].to_vec()]
    );
}

/// A cursor that no listing handed out, or that another status's listing did, is refused.
pub async fn check_bad_payment_cursors_are_refused(store: Arc<dyn PaymentStore>) {
    for _ in 0..2 {
        save(&*store, &authorizing("tok_visa")).await;
    }
    let cursor = store
        .payments_with_status(PaymentStatus::Authorizing, &PageRequest::first(1))
        .await
        .expect("listing payments")
        .next_cursor
        .expect("more follow");
    for (status, cursor) in [
        (PaymentStatus::Authorizing, "bm90LWEtY3Vyc29y".to_owned()),
        (PaymentStatus::Captured, cursor),
    ] {
        assert_eq!(
            store
                .payments_with_status(status, &PageRequest::after(cursor, 1))
                .await,
            Err(StoreError::BadCursor)
        );
    }
}

/// A payment's refunds are kept with it, in order, as they were written.
pub async fn check_refunds_read_back(store: Arc<dyn PaymentStore>) {
    let v1 = authorizing("tok_visa");
    save(&*store, &v1).await;
    let later = NOW + Duration::minutes(1);
    let captured = stored_as(&v1, PaymentStatus::Captured, later);
    save(&*store, &captured).await;
    let line = RefundLine {
        sku: Sku::parse("HP-1").expect("a valid SKU"),
        quantity: 1,
        amount: Money::new(9_900, Currency::USD),
    };
    let asked = captured.with_refund(
        Refund::requested(
            "return",
            vec![line],
            Money::new(9_900, Currency::USD),
            later,
        ),
        later,
    );
    save(&*store, &asked).await;
    let done = asked
        .with_refund_succeeded("return", later + Duration::minutes(5))
        .expect("a requested refund succeeds");
    save(&*store, &done).await;
    let read_back = read(&*store, &v1.order_id).await.expect("the payment");
    assert_eq!(read_back, done);
    assert_eq!(
        read_back.refund("return").map(|refund| refund.status),
        Some(RefundStatus::Succeeded)
    );
}
