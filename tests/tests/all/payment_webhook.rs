//! The payment webhook: signatures checked, deliveries deduplicated by the gateway's
//! event id, refusals changing nothing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use mambogo::application::payments::receive_gateway_event;
use mambogo::application::Services;
use mambogo::domain::ids::OrderId;
use mambogo::domain::payments::{
    GatewayEvent, GatewayEventKind, Payment, PaymentStatus, PaymentStore,
};
use mambogo::domain::store::{Page, PageRequest, StoreError};
use mambogo_local::workflow::ExecutionStatus;
use mambogo_tests::checkout::{
    assert_consistent, checkout, deliver_webhook, fill_cart, order, order_id, published,
    saga_finished, signed_webhook,
};
use mambogo_tests::metrics::samples;
use mambogo_tests::on_both_stores;
use mambogo_tests::shop::{token, As, Stores, TestShop};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::OffsetDateTime;

on_both_stores!(a_redelivered_webhook_is_applied_once);

async fn a_redelivered_webhook_is_applied_once(stores: Stores) {
    let shop = Arc::new(TestShop::on(stores).await);
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[("MB-0002-BLK", 1)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_approve").await);
    assert_eq!(
        saga_finished(&shop, &id).await.status,
        ExecutionStatus::Succeeded
    );
    let before = order(&shop, &alice, &id).await;

    let sent = shop.inner().gateway.sent_webhooks();
    assert_eq!(sent.len(), 1, "the gateway answered once");
    let (body, signature) = sent[0].clone();
    let body = String::from_utf8(body).unwrap();
    let redeliveries = (0..5).map(|_| {
        let (shop, body, signature) = (Arc::clone(&shop), body.clone(), signature.clone());
        tokio::spawn(async move { deliver_webhook(&shop, &body, &signature).await })
    });
    for reply in futures::future::join_all(redeliveries).await {
        let reply = reply.unwrap();
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body["duplicate"], true);
    }
    assert_eq!(order(&shop, &alice, &id).await, before, "nothing changed");
    assert_eq!(
        samples(&shop).await["mambogo_webhook_delay_seconds_count"],
        1.0,
        "only the first delivery was timed"
    );
    assert_eq!(published(&shop, "PaymentAuthorized", &id), 1);
    assert_eq!(published(&shop, "OrderConfirmed", &id), 1);
    assert_consistent(&shop).await;
}

#[tokio::test]
async fn forged_stale_and_unknown_webhooks_are_refused_and_change_nothing() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[("MB-0002-BLK", 1)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_no_answer").await);
    shop.inner()
        .runner
        .wait_for_task_token(&id.to_string())
        .await
        .unwrap();
    let payment = shop
        .inner()
        .services
        .payments
        .payment(&id)
        .await
        .unwrap()
        .unwrap();
    let reference = payment.gateway_reference.clone().unwrap();
    let event = |event_id: &str, order: &str| -> Value {
        json!({
            "id": event_id,
            "type": "payment.authorized",
            "orderId": order,
            "reference": reference,
            "amount": payment.amount,
        })
    };
    let now = OffsetDateTime::now_utc().unix_timestamp();

    let (body, signature) = signed_webhook(&event("evt_1", &id.to_string()), now);
    let tampered = body.replace("payment.authorized", "payment.declined");
    assert_eq!(
        deliver_webhook(&shop, &tampered, &signature).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (stale_body, stale) = signed_webhook(&event("evt_2", &id.to_string()), now - 301);
    assert_eq!(
        deliver_webhook(&shop, &stale_body, &stale).await.status,
        StatusCode::UNAUTHORIZED
    );
    let unsigned = shop
        .send(
            Method::POST,
            "/webhooks/payments",
            As::default(),
            Some(&body),
        )
        .await;
    assert_eq!(unsigned.status, StatusCode::UNAUTHORIZED);
    let (unknown_body, unknown) =
        signed_webhook(&event("evt_3", "00000000-0000-4000-8000-000000000000"), now);
    assert_eq!(
        deliver_webhook(&shop, &unknown_body, &unknown).await.status,
        StatusCode::NOT_FOUND
    );
    let (bad_body, bad) = signed_webhook(&json!({"id": "evt_4", "type": "payment.exploded"}), now);
    assert_eq!(
        deliver_webhook(&shop, &bad_body, &bad).await.status,
        StatusCode::BAD_REQUEST
    );

    let after = shop
        .inner()
        .services
        .payments
        .payment(&id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, payment, "no refused webhook changed the payment");
    assert_eq!(published(&shop, "PaymentAuthorized", &id), 0);
    let waiting = shop
        .inner()
        .runner
        .execution(&id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(waiting.current_state.as_deref(), Some("AuthorizePayment"));

    let declined = json!({
        "id": "evt_5", "type": "payment.declined", "orderId": id.to_string(),
        "reference": reference, "amount": payment.amount, "reason": "insufficient funds",
    });
    let timed = |samples: &BTreeMap<String, f64>| {
        ["count", "sum"].map(|part| {
            let series = format!("mambogo_webhook_delay_seconds_{part}");
            samples.get(&series).copied().unwrap_or_default()
        })
    };
    assert_eq!(
        timed(&samples(&shop).await),
        [0.0, 0.0],
        "no refused webhook was timed"
    );
    let (body, signature) = signed_webhook(&declined, now - 30);
    let reply = deliver_webhook(&shop, &body, &signature).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["paymentStatus"], "DECLINED");
    let [count, seconds] = timed(&samples(&shop).await);
    assert_eq!(count, 1.0);
    assert!(
        (30.0..300.0).contains(&seconds),
        "signed 30 s before it came, within the signature's tolerance: {seconds}"
    );
    assert_eq!(
        saga_finished(&shop, &id).await.status,
        ExecutionStatus::Succeeded
    );
    assert_eq!(order(&shop, &alice, &id).await["status"], "CANCELLED");
    assert_consistent(&shop).await;
    shop.stop().await;
}

/// Payments whose first read answers the payment as it was and then lets another delivery
/// of the same event write it: what a delivery reads while another one is under way.
struct OvertakenRead {
    inner: Arc<dyn PaymentStore>,
    overtaking: Mutex<Option<(String, Payment)>>,
}

#[async_trait]
impl PaymentStore for OvertakenRead {
    async fn payment(&self, order: &OrderId) -> Result<Option<Payment>, StoreError> {
        let read = self.inner.payment(order).await;
        let overtaking = self.overtaking.lock().unwrap().take();
        if let Some((event_id, payment)) = overtaking {
            let now = OffsetDateTime::now_utc();
            assert!(
                self.inner
                    .apply_gateway_event(&event_id, &payment, now)
                    .await?
            );
        }
        read
    }

    async fn save(&self, payment: &Payment) -> Result<(), StoreError> {
        self.inner.save(payment).await
    }

    async fn apply_gateway_event(
        &self,
        event_id: &str,
        payment: &Payment,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.inner.apply_gateway_event(event_id, payment, now).await
    }

    async fn payments_with_status(
        &self,
        status: PaymentStatus,
        page: &PageRequest,
    ) -> Result<Page<Payment>, StoreError> {
        self.inner.payments_with_status(status, page).await
    }
}

#[tokio::test]
async fn a_delivery_overtaken_by_another_finishes_what_that_one_has_not_yet() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[("MB-0002-BLK", 1)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_no_answer").await);
    shop.inner()
        .runner
        .wait_for_task_token(&id.to_string())
        .await
        .unwrap();
    let services = &shop.inner().services;
    let waiting = services.payments.payment(&id).await.unwrap().unwrap();
    let event = GatewayEvent {
        id: "evt_1".into(),
        kind: GatewayEventKind::Declined,
        order_id: id,
        reference: waiting.gateway_reference.clone().unwrap(),
        amount: waiting.amount,
        reason: Some("insufficient funds".into()),
        refund_id: None,
    };
    let declined = waiting
        .transition(PaymentStatus::Declined, OffsetDateTime::now_utc())
        .unwrap();
    let overtaken = Services {
        payments: Arc::new(OvertakenRead {
            inner: Arc::clone(&services.payments),
            overtaking: Mutex::new(Some((event.id.clone(), declined))),
        }),
        ..Services::clone(services)
    };

    let receipt = receive_gateway_event(&overtaken, &event, services.clock.now())
        .await
        .unwrap();
    assert!(!receipt.first_time, "the other delivery recorded the event");
    assert_eq!(receipt.payment.status, PaymentStatus::Declined);
    assert_eq!(
        saga_finished(&shop, &id).await.status,
        ExecutionStatus::Succeeded,
        "this delivery resumed the saga the other had not yet"
    );
    assert_eq!(order(&shop, &alice, &id).await["status"], "CANCELLED");
    assert_consistent(&shop).await;
    shop.stop().await;
}
