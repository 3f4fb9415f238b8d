//! One checkout's story is found by one id: the W3C trace-id of the request that placed
//! the order (or a new one). The API answers it as `x-correlation-id`; every event about
//! the order carries it as `correlationId`; every log line that names the order carries
//! it too, from the request through the saga's steps, the gateway's webhook and the
//! consumers.
//!
//! The logs are captured by a subscriber of the test's own thread; the test runs on a
//! current-thread runtime, so the shop's tasks log on it too, and other tests' lines go
//! nowhere.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::subscriber::DefaultGuard;

use mambogo::domain::ids::OrderId;
use mambogo_tests::checkout::{order_id, saga_finished, traced_checkout};
use mambogo_tests::shop::TestShop;
use mambogo_tests::thread_subscriber::on_this_thread;
use reqwest::StatusCode;
use serde_json::Value;
use tracing_subscriber::fmt::MakeWriter;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

/// Every line logged, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    /// This thread's log while the guard lives: `mambogo`'s lines from debug up, others'
    /// from info.
    fn on_this_thread() -> (Captured, DefaultGuard) {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_env_filter("info,mambogo=debug")
            .with_writer(captured.clone())
            .finish();
        (captured, on_this_thread(subscriber))
    }

    fn lines(&self) -> Vec<Value> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

/// The `correlationId` of every event the shop published about `order`.
fn event_correlations(shop: &TestShop, order: &OrderId) -> Vec<(String, Option<String>)> {
    shop.inner()
        .bus
        .published()
        .iter()
        .filter(|event| event.order_id() == Some(*order))
        .map(|event| {
            (
                event.event_type.detail_type().to_owned(),
                event.correlation_id().map(|id| id.to_string()),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_checkout_is_found_by_its_trace_id_in_every_event_and_log_line() {
    let (captured, _capturing) = Captured::on_this_thread();
    let shop = TestShop::start().await;
    let traceparent = format!("00-{TRACE_ID}-00f067aa0ba902b7-01");
    let placed = traced_checkout(&shop, "traced", &[("traceparent", &traceparent)]).await;
    assert_eq!(placed.status, StatusCode::ACCEPTED, "{:?}", placed.body);
    assert_eq!(placed.header("x-correlation-id"), Some(TRACE_ID));
    let order = order_id(&placed);
    saga_finished(&shop, &order).await;
    shop.consumers_done().await;

    let events = event_correlations(&shop, &order);
    for detail_type in [
        "OrderPlaced",
        "InventoryReserved",
        "PaymentAuthorized",
        "OrderConfirmed",
    ] {
        assert!(
            events.iter().any(|(published, _)| published == detail_type),
            "{detail_type} in {events:?}"
        );
    }
    for (detail_type, correlation) in &events {
        assert_eq!(correlation.as_deref(), Some(TRACE_ID), "{detail_type}");
    }

    let order_text = order.to_string();
    let of_the_order: Vec<Value> = captured
        .lines()
        .into_iter()
        .filter(|line| line.to_string().contains(&order_text))
        .collect();
    for line in &of_the_order {
        assert!(line.to_string().contains(TRACE_ID), "{line}");
    }
    let messages: Vec<&str> = of_the_order
        .iter()
        .filter_map(|line| line["fields"]["message"].as_str())
        .collect();
    for expected in [
        "order placed",
        "step done",
        "payment webhook",
        "event handled",
    ] {
        assert!(messages.contains(&expected), "{expected} in {messages:?}");
    }
    let steps: Vec<&str> = of_the_order
        .iter()
        .filter(|line| line["fields"]["message"] == "step done")
        .filter_map(|line| line["span"]["step"].as_str())
        .collect();
    assert_eq!(
        steps,
        ["reserve-inventory", "authorize-payment", "confirm-order"],
        "each step logs its outcome in its order's span"
    );

    // Each call through a port ends with a line in its own span, inside the request's
    // or the step's.
    let calls: Vec<[String; 4]> = captured
        .lines()
        .into_iter()
        .filter(|line| line["fields"]["message"] == "call done")
        .filter(|line| line.to_string().contains(TRACE_ID))
        .map(|line| {
            let spans = line["spans"].as_array().into_iter().flatten();
            let step = spans.clone().find_map(|span| span["step"].as_str());
            let within = step.or(line["spans"][0]["name"].as_str());
            let [port, resource, operation] =
                ["port", "resource", "operation"].map(|field| line["span"][field].as_str());
            [within, port, resource, operation].map(|part| part.unwrap_or("?").to_owned())
        })
        .collect();
    for expected in [
        ["request", "store", "orders", "create"],
        ["request", "workflow", "checkout", "start"],
        ["reserve-inventory", "store", "orders", "order"],
        [
            "authorize-payment",
            "gateway",
            "payment-gateway",
            "authorize",
        ],
        ["confirm-order", "store", "payments", "payment"],
    ] {
        assert!(
            calls.contains(&expected.map(str::to_owned)),
            "{expected:?} in {calls:#?}"
        );
    }
    shop.stop().await;
}

#[tokio::test]
async fn a_checkout_without_a_trace_gets_an_id_of_its_own() {
    let shop = TestShop::start().await;
    let placed = traced_checkout(&shop, "untraced", &[("traceparent", "not a traceparent")]).await;
    assert_eq!(placed.status, StatusCode::ACCEPTED, "{:?}", placed.body);
    let correlation = placed
        .header("x-correlation-id")
        .expect("every answer names its correlation id")
        .to_owned();
    assert_eq!(correlation.len(), 32);
    assert_ne!(correlation, TRACE_ID);
    let order = order_id(&placed);
    saga_finished(&shop, &order).await;
    let events = event_correlations(&shop, &order);
    assert!(!events.is_empty());
    for (detail_type, id) in &events {
        assert_eq!(id.as_deref(), Some(correlation.as_str()), "{detail_type}");
    }
    shop.stop().await;
}
