//! Cancelling an order end to end on the local shop, in each status that allows it
//! (PENDING with the saga waiting for the gateway, CONFIRMED, PROCESSING): its stock
//! comes back exactly once and its payment is voided or refunded exactly once — when the
//! cancel is sent twice, and when it races the checkout saga's confirmation.

use std::sync::Arc;

use futures::future::BoxFuture;
use mambogo::domain::ids::OrderId;
use mambogo::domain::payments::{PaymentGateway, PaymentStatus, RefundStatus};
use mambogo_local::workflow::{ExecutionStatus, ExecutionView};
use mambogo_local::{Fault, FaultInjector, LocalConfig, TestHooks};
use mambogo_tests::checkout::{
    assert_consistent, checkout, fill_cart, order, order_id, saga_finished,
};
use mambogo_tests::on_both_stores;
use mambogo_tests::shop::{token, As, Reply, Stores, TestShop};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::sync::Semaphore;

use super::order_lifecycle::{
    advance_to, confirmed_order, deliver_refund_webhook, distinct_events, level, payment,
    refund_webhooks, SKU,
};

on_both_stores!(
    a_pending_order_is_cancelled_at_once_and_its_waiting_saga_ends,
    a_confirmed_or_processing_order_is_restocked_and_refunded_once,
    a_cancel_racing_the_checkout_saga_settles_stock_and_payment_once,
);

async fn cancel(shop: &TestShop, token: &str, id: &OrderId, reason: Option<&str>) -> Reply {
    let body = reason.map(|reason| json!({ "reason": reason }).to_string());
    shop.send(
        Method::POST,
        &format!("/orders/{id}/cancel"),
        As::user(token),
        body.as_deref(),
    )
    .await
}

/// The states the execution went through, in order.
fn visited(execution: &ExecutionView) -> Vec<String> {
    execution
        .history
        .iter()
        .filter(|event| event.kind.as_str() == "StateEntered")
        .filter_map(|event| event.state.clone())
        .collect()
}

/// Checks, at the gateway itself, that the payment of `id` is void: a capture is refused.
async fn assert_void_at_the_gateway(shop: &TestShop, id: &OrderId) {
    let voided = payment(shop, id).await;
    assert_eq!(voided.status, PaymentStatus::Voided);
    let reference = voided.gateway_reference.expect("the gateway answered");
    let probe = shop
        .inner()
        .gateway
        .capture(&reference, voided.amount, &format!("{id}:probe"))
        .await;
    assert!(
        probe.is_err(),
        "a voided payment cannot be captured: {probe:?}"
    );
}

async fn a_pending_order_is_cancelled_at_once_and_its_waiting_saga_ends(stores: Stores) {
    let shop = TestShop::on(stores).await;
    let alice = token("alice", false);
    let before = level(&shop, SKU).await;
    fill_cart(&shop, &alice, &[(SKU, 2)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_no_answer").await);
    shop.inner()
        .runner
        .wait_for_task_token(&id.to_string())
        .await
        .unwrap();
    assert_eq!(level(&shop, SKU).await.available, before.available - 2);

    let cancelled = cancel(&shop, &alice, &id, Some("ordered the wrong size")).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    assert_eq!(cancelled.body["status"], "CANCELLED");
    assert_eq!(cancelled.body["payment"]["status"], "VOIDED");
    assert_eq!(
        level(&shop, SKU).await,
        before,
        "the reservation is released at once"
    );

    // No 15 minutes of waiting for the gateway: the saga compensates now.
    let execution = saga_finished(&shop, &id).await;
    assert_eq!(
        execution.status,
        ExecutionStatus::Succeeded,
        "{execution:#?}"
    );
    assert!(visited(&execution).ends_with(&[
        "ReleaseInventory".to_owned(),
        "CancelOrder".to_owned(),
        "PublishOrderCancelled".to_owned(),
        "CheckoutCancelled".to_owned()
    ]));

    let again = cancel(&shop, &alice, &id, None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        again.body["history"],
        order(&shop, &alice, &id).await["history"]
    );
    let history = again.body["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "PENDING, CANCELLED: nothing twice");
    assert_eq!(history[1]["actor"], "alice");
    assert_eq!(history[1]["reason"], "ordered the wrong size");

    assert_eq!(level(&shop, SKU).await, before, "released once");
    assert_void_at_the_gateway(&shop, &id).await;
    let events = distinct_events(&shop, "OrderCancelled", &id);
    assert_eq!(
        events.len(),
        1,
        "the saga's OrderCancelled is the same event"
    );
    assert_eq!(events[0]["reason"], "ordered the wrong size");
    assert_eq!(distinct_events(&shop, "InventoryReleased", &id).len(), 1);
    assert_eq!(distinct_events(&shop, "OrderConfirmed", &id).len(), 0);
    assert_consistent(&shop).await;
    shop.stop().await;
}

async fn a_confirmed_or_processing_order_is_restocked_and_refunded_once(stores: Stores) {
    let shop = TestShop::on(stores).await;
    let alice = token("alice", false);
    let admin = token("ops", true);
    for (key, target) in [("key-1", "CONFIRMED"), ("key-2", "PROCESSING")] {
        let before = level(&shop, SKU).await;
        let id = confirmed_order(&shop, &alice, key, &[(SKU, 2)]).await;
        if target != "CONFIRMED" {
            advance_to(&shop, &admin, &id, target).await;
        }
        let sold = level(&shop, SKU).await;
        assert_eq!(sold.sold, before.sold + 2);

        // Twice at once: one cancels, both answer the cancelled order.
        let (first, second) = tokio::join!(
            cancel(&shop, &alice, &id, Some("found it cheaper")),
            cancel(&shop, &alice, &id, Some("found it cheaper")),
        );
        for reply in [&first, &second] {
            assert_eq!(reply.status, StatusCode::OK, "{target}: {:?}", reply.body);
            assert_eq!(reply.body["status"], "CANCELLED");
        }
        assert_eq!(level(&shop, SKU).await, before, "{target}: restocked once");

        let refunding = payment(&shop, &id).await;
        assert_eq!(refunding.refunds.len(), 1, "{target}");
        let refund = &refunding.refunds[0];
        assert_eq!(refund.id, "cancel");
        assert_eq!(refund.amount, refunding.amount, "the whole payment");
        let again = cancel(&shop, &alice, &id, None).await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(payment(&shop, &id).await.refunds.len(), 1);
        assert_eq!(level(&shop, SKU).await, before);

        let applied = deliver_refund_webhook(&shop, &id, "cancel").await;
        assert_eq!(applied.body["paymentStatus"], "REFUNDED");
        let refunded = payment(&shop, &id).await;
        assert_eq!(refunded.status, PaymentStatus::Refunded);
        assert_eq!(refunded.refunds[0].status, RefundStatus::Succeeded);
        assert_eq!(
            refund_webhooks(&shop, &id, "cancel").len(),
            1,
            "refunded once"
        );
        let shown = order(&shop, &alice, &id).await;
        assert_eq!(
            shown["status"], "CANCELLED",
            "a cancel refund leaves the order"
        );
        assert_eq!(shown["payment"]["status"], "REFUNDED");
        let cancelled_at = shown["history"].as_array().unwrap().len();
        assert_eq!(
            cancel(&shop, &alice, &id, None).await.body["history"]
                .as_array()
                .unwrap()
                .len(),
            cancelled_at
        );
        assert_eq!(distinct_events(&shop, "OrderCancelled", &id).len(), 1);
        assert_eq!(distinct_events(&shop, "OrderRefunded", &id).len(), 0);
    }
    assert_consistent(&shop).await;
    shop.stop().await;
}

/// Holds every `confirm-order` step until the test lets one through.
fn gate_confirmations() -> (FaultInjector, Arc<Semaphore>) {
    let gate = Arc::new(Semaphore::new(0));
    let held = Arc::clone(&gate);
    let injector: FaultInjector =
        Arc::new(move |function: &str| -> BoxFuture<'static, Option<Fault>> {
            let gate = Arc::clone(&held);
            let confirm = function == "confirm-order";
            Box::pin(async move {
                if confirm {
                    gate.acquire().await.expect("the gate stays open").forget();
                }
                None
            })
        });
    (injector, gate)
}

#[tokio::test]
async fn a_confirmation_that_finds_the_order_cancelled_captures_nothing() {
    let (faults, gate) = gate_confirmations();
    let hooks = TestHooks {
        clock: None,
        faults: Some(faults),
        ..TestHooks::default()
    };
    let shop = TestShop::start_with(LocalConfig::ephemeral(), hooks).await;
    let alice = token("alice", false);
    let before = level(&shop, SKU).await;
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_approve").await);
    shop.inner()
        .runner
        .wait_until(&id.to_string(), |view| {
            view.current_state.as_deref() == Some("ConfirmOrder")
        })
        .await
        .unwrap();

    let cancelled = cancel(&shop, &alice, &id, None).await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    gate.add_permits(1);
    let execution = saga_finished(&shop, &id).await;
    assert_eq!(
        execution.status,
        ExecutionStatus::Succeeded,
        "{execution:#?}"
    );
    let states = visited(&execution);
    assert!(
        states.ends_with(&[
            "RefundPayment".to_owned(),
            "ReleaseInventory".to_owned(),
            "CancelOrder".to_owned(),
            "PublishOrderCancelled".to_owned(),
            "CheckoutCancelled".to_owned()
        ]),
        "{states:?}"
    );
    assert_eq!(order(&shop, &alice, &id).await["status"], "CANCELLED");
    assert_void_at_the_gateway(&shop, &id).await;
    assert!(
        payment(&shop, &id).await.refunds.is_empty(),
        "nothing was captured"
    );
    assert_eq!(level(&shop, SKU).await, before);
    assert_eq!(distinct_events(&shop, "OrderConfirmed", &id).len(), 0);
    assert_eq!(distinct_events(&shop, "OrderCancelled", &id).len(), 1);
    assert_consistent(&shop).await;
    shop.stop().await;
}

/// Where in the checkout saga a racing cancel goes in.
#[derive(Clone, Copy, Debug)]
enum CancelAt {
    /// As soon as the checkout is accepted: the saga has barely started.
    Accepted,
    /// Once the saga waits for the gateway, whose webhook is already on its way.
    WaitingForTheGateway,
    /// Once the saga is confirming: capturing, committing, writing CONFIRMED.
    Confirming,
}

async fn a_cancel_racing_the_checkout_saga_settles_stock_and_payment_once(stores: Stores) {
    const ROUNDS: usize = 60;
    let shop = Arc::new(TestShop::on(stores).await);
    let before = level(&shop, SKU).await;
    let (mut never_paid, mut voided, mut refunded, mut refunded_by_the_saga) = (0, 0, 0, 0);
    let moments = [
        CancelAt::Accepted,
        CancelAt::WaitingForTheGateway,
        CancelAt::Confirming,
    ];
    for round in 0..ROUNDS {
        let moment = moments[round % moments.len()];
        let shopper = token(&format!("racer-{round}"), false);
        fill_cart(&shop, &shopper, &[(SKU, 1)]).await;
        let accepted = checkout(&shop, &shopper, "race", "tok_approve").await;
        assert_eq!(accepted.status, StatusCode::ACCEPTED);
        let id = order_id(&accepted);
        // The saga runs on its own from here, on other threads; the cancel goes in at
        // `moment` (or later, should the saga have passed it already).
        let reached = |view: &ExecutionView| match moment {
            CancelAt::Accepted => true,
            CancelAt::WaitingForTheGateway => view.task_token.is_some(),
            CancelAt::Confirming => view.current_state.as_deref() == Some("ConfirmOrder"),
        };
        shop.inner()
            .runner
            .wait_until(&id.to_string(), |view| reached(view) || view.is_finished())
            .await
            .unwrap();
        let cancelled = cancel(&shop, &shopper, &id, None).await;
        assert_eq!(
            cancelled.status,
            StatusCode::OK,
            "round {round} ({moment:?}): {:?}",
            cancelled.body
        );
        let execution = saga_finished(&shop, &id).await;
        assert_eq!(
            execution.status,
            ExecutionStatus::Succeeded,
            "round {round}: {execution:#?}"
        );
        assert_eq!(order(&shop, &shopper, &id).await["status"], "CANCELLED");

        let settled = shop.inner().services.payments.payment(&id).await.unwrap();
        let Some(settled) = settled else {
            // Cancelled before the saga asked the gateway: it never did.
            never_paid += 1;
            assert!(refund_webhooks(&shop, &id, "cancel").is_empty());
            assert_eq!(level(&shop, SKU).await, before, "round {round}");
            continue;
        };
        match settled.status {
            PaymentStatus::Voided => {
                assert!(settled.refunds.is_empty(), "round {round}: {settled:?}");
                assert!(refund_webhooks(&shop, &id, "cancel").is_empty());
                voided += 1;
            }
            PaymentStatus::Captured | PaymentStatus::Refunded => {
                assert_eq!(settled.refunds.len(), 1, "round {round}: {settled:?}");
                assert_eq!(settled.refunds[0].id, "cancel");
                assert_eq!(settled.refunds[0].amount, settled.amount);
                if visited(&execution).contains(&"RefundPayment".to_owned()) {
                    // The cancel won after the capture: the saga's compensation refunded.
                    refunded_by_the_saga += 1;
                }
                deliver_refund_webhook(&shop, &id, "cancel").await;
                assert_eq!(payment(&shop, &id).await.status, PaymentStatus::Refunded);
                refunded += 1;
            }
            other => panic!("round {round}: the payment is {other:?}"),
        }
        assert_eq!(distinct_events(&shop, "OrderCancelled", &id).len(), 1);
        assert_eq!(
            level(&shop, SKU).await,
            before,
            "round {round}: every unit back, once"
        );
    }
    println!(
        "{ROUNDS} races: {never_paid} cancelled before payment, {voided} voided before \
         capture, {refunded} refunded after ({refunded_by_the_saga} by the saga's compensation)"
    );
    assert_consistent(&shop).await;
}
