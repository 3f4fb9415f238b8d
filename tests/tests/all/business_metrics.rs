//! The local shop's business metrics at `GET /metrics`: over a scripted day (a checkout
//! confirmed and then cancelled by the shopper, one declined, one refused for lack of
//! stock) each counter moves by exactly what happened, and the text is Prometheus's. On
//! AWS's services the `count-events` consumer counts them off its SQS queue.

use mambogo::adapters::local_bus::Rule;
use mambogo::application::consumers::COUNT_EVENTS;
use mambogo::application::metrics::counts_of;
use mambogo::domain::events::{DomainEvent, EventType};
use mambogo_tests::checkout::{checkout, fill_cart, order_id, saga_finished, set_on_hand};
use mambogo_tests::metrics::samples;
use mambogo_tests::on_both_stores;
use mambogo_tests::shop::{token, As, Stores, TestShop};
use reqwest::{Method, StatusCode};

/// The rule of `count-events` delivers exactly the events that move a metric.
#[test]
fn the_counting_rule_delivers_what_moves_a_metric() {
    let rules = Rule::embedded().unwrap();
    let rule = rules
        .iter()
        .find(|rule| rule.target == COUNT_EVENTS)
        .expect("a rule targets count-events");
    for event_type in EventType::ALL {
        let event = DomainEvent {
            event_type: *event_type,
            detail: serde_json::json!({}),
        };
        let measured = !counts_of(&event).is_empty() || *event_type == EventType::OrderConfirmed;
        assert_eq!(
            rule.pattern.matches(&event.to_envelope()),
            measured,
            "{event_type}"
        );
    }
}

on_both_stores!(counters_move_by_exactly_what_happened);

async fn counters_move_by_exactly_what_happened(stores: Stores) {
    let shop = TestShop::on(stores).await;
    let before = samples(&shop).await;
    for counter in [
        "mambogo_orders_placed_total",
        "mambogo_orders_confirmed_total",
        "mambogo_orders_cancelled_total",
        "mambogo_payments_declined_total",
        "mambogo_orders_failed_total{cause=\"out_of_stock\"}",
    ] {
        assert_eq!(before.get(counter), Some(&0.0), "{counter} starts at zero");
    }

    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[("MB-0002-BLK", 1)]).await;
    let confirmed = order_id(&checkout(&shop, &alice, "key-1", "tok_approve").await);
    saga_finished(&shop, &confirmed).await;
    let cancel = shop
        .send(
            Method::POST,
            &format!("/orders/{confirmed}/cancel"),
            As::user(&alice),
            None,
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{:?}", cancel.body);

    let bob = token("bob", false);
    fill_cart(&shop, &bob, &[("MB-0003-WHT", 1)]).await;
    let declined = order_id(&checkout(&shop, &bob, "key-2", "tok_decline").await);
    saga_finished(&shop, &declined).await;

    set_on_hand(&shop, "MB-0004-BLK", 1).await;
    let carol = token("carol", false);
    fill_cart(&shop, &carol, &[("MB-0004-BLK", 2)]).await;
    let refused = checkout(&shop, &carol, "key-3", "tok_approve").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);

    shop.consumers_done().await;
    let after = samples(&shop).await;
    let moved = |series: &str| {
        after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0)
    };
    assert_eq!(moved("mambogo_orders_placed_total"), 2.0, "{after:#?}");
    assert_eq!(moved("mambogo_orders_confirmed_total"), 1.0);
    assert_eq!(
        moved("mambogo_orders_cancelled_total"),
        2.0,
        "the shopper's cancel and the decline's"
    );
    assert_eq!(moved("mambogo_payments_declined_total"), 1.0);
    assert_eq!(
        moved("mambogo_orders_failed_total{cause=\"out_of_stock\"}"),
        1.0,
        "{after:#?}"
    );
    assert_eq!(moved("mambogo_orders_failed_total{cause=\"other\"}"), 0.0);
    assert_eq!(
        moved("mambogo_orders_refunded_total"),
        0.0,
        "a cancel is no return"
    );
    assert_eq!(
        moved("mambogo_checkout_to_confirmed_seconds_count"),
        1.0,
        "the confirmed checkout was timed"
    );
    shop.stop().await;
}
