//! The local shop's spans reach an OpenTelemetry collector over OTLP/HTTP: a checkout is
//! one trace, whose id is its correlation id. One sent with a `traceparent` continues the
//! sender's trace; the calls it makes through its ports are spans of its request; the
//! saga's execution continues from the call that started it, and the events its steps
//! publish are handled in the trace. The
//! collector is a receiver on 127.0.0.1 decoding what the exporter sends.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use mambogo_local::telemetry::OtlpTracing;
use mambogo_tests::checkout::{order_id, saga_finished, traced_checkout};
use mambogo_tests::shop::{Reply, TestShop};
use mambogo_tests::thread_subscriber::on_this_thread;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Attribute;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use reqwest::StatusCode;
use tracing_subscriber::layer::SubscriberExt;

const TRACE_ID: &str = "0af7651916cd43dd8448eb211c80319c";
const PARENT_ID: &str = "b7ad6b7169203331";

/// Every span the collector received, with its service's name.
type Received = Arc<Mutex<Vec<(String, Span)>>>;

/// A collector on a free port of 127.0.0.1: its base URL and what it receives.
async fn collector() -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route(
            "/v1/traces",
            post(|State(received): State<Received>, body: Bytes| async move {
                let Ok(request) = ExportTraceServiceRequest::decode(body) else {
                    return StatusCode::BAD_REQUEST;
                };
                let mut received = received.lock().unwrap();
                for resource in request.resource_spans {
                    let service = resource
                        .resource
                        .iter()
                        .flat_map(|resource| &resource.attributes)
                        .find(|attribute| attribute.key == "service.name")
                        .and_then(|attribute| text(attribute.value.as_ref()?.value.as_ref()?))
                        .unwrap_or_default();
                    for scope in resource.scope_spans {
                        for span in scope.spans {
                            received.push((service.clone(), span));
                        }
                    }
                }
                StatusCode::OK
            }),
        )
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

fn text(value: &Attribute) -> Option<String> {
    match value {
        Attribute::StringValue(text) => Some(text.clone()),
        _ => None,
    }
}

/// The span's attribute `key`, if it is text.
fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|attribute| attribute.key == key)
        .and_then(|attribute| text(attribute.value.as_ref()?.value.as_ref()?))
}

/// The spans a shop exports over one checkout sent with `headers`, once its saga has
/// finished and its events are handled; and the checkout's reply.
async fn exported_checkout(headers: &[(&str, &str)]) -> (Reply, Vec<Span>) {
    let (endpoint, received) = collector().await;
    let otlp = OtlpTracing::new(&endpoint).unwrap();
    let exporting = on_this_thread(tracing_subscriber::registry().with(otlp.layer()));
    let shop = TestShop::start().await;
    let placed = traced_checkout(&shop, "exported", headers).await;
    assert_eq!(placed.status, StatusCode::ACCEPTED, "{:?}", placed.body);
    saga_finished(&shop, &order_id(&placed)).await;
    shop.consumers_done().await;
    shop.stop().await;
    drop(exporting);
    // Sending blocks until the collector, served on this thread, has answered.
    tokio::task::spawn_blocking(move || otlp.shutdown())
        .await
        .unwrap();

    let spans = received.lock().unwrap().clone();
    assert!(
        spans.iter().all(|(service, _)| service == "mambogo"),
        "{spans:#?}"
    );
    (placed, spans.into_iter().map(|(_, span)| span).collect())
}

/// The spans of the trace `trace_id`.
fn in_trace<'a>(spans: &'a [Span], trace_id: &str) -> Vec<&'a Span> {
    spans
        .iter()
        .filter(|span| hex(&span.trace_id) == trace_id)
        .collect()
}

/// The one span named `name` in `spans`.
fn the<'a>(spans: &[&'a Span], name: &str) -> &'a Span {
    let mut named = spans.iter().filter(|span| span.name == name);
    let found = named
        .next()
        .unwrap_or_else(|| panic!("a span {name} in {spans:#?}"));
    assert!(named.next().is_none(), "one span {name}");
    found
}

/// The saga's steps whose spans are in `spans`, sorted.
fn steps(spans: &[&Span]) -> Vec<String> {
    let mut steps: Vec<String> = spans
        .iter()
        .filter(|span| span.name == "step")
        .filter_map(|span| attribute(span, "step"))
        .collect();
    steps.sort();
    steps
}

#[tokio::test]
async fn a_checkouts_spans_reach_the_collector_in_its_senders_trace() {
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let (placed, spans) = exported_checkout(&[("traceparent", &traceparent)]).await;
    assert_eq!(placed.header("x-correlation-id"), Some(TRACE_ID));
    let in_trace = in_trace(&spans, TRACE_ID);
    let request = the(&in_trace, "request");
    assert_eq!(hex(&request.parent_span_id), PARENT_ID, "the sender's span");
    assert_eq!(
        attribute(request, "correlation_id").as_deref(),
        Some(TRACE_ID)
    );
    let calls: Vec<[Option<String>; 3]> = in_trace
        .iter()
        .filter(|span| span.name == "call" && span.parent_span_id == request.span_id)
        .map(|span| ["port", "resource", "operation"].map(|key| attribute(span, key)))
        .collect();
    for expected in [
        ["store", "orders", "create"],
        ["workflow", "checkout", "start"],
    ] {
        assert!(
            calls.contains(&expected.map(|part| Some(part.to_owned()))),
            "{expected:?} in {calls:?}"
        );
    }
    assert_eq!(
        steps(&in_trace),
        ["authorize-payment", "confirm-order", "reserve-inventory"],
        "the saga's steps continue the checkout's trace"
    );
}

#[tokio::test]
async fn a_checkout_without_traceparent_is_one_trace_named_by_its_correlation_id() {
    let (placed, spans) = exported_checkout(&[]).await;
    let correlation_id = placed.header("x-correlation-id").unwrap();
    let in_trace = in_trace(&spans, correlation_id);
    let request = the(&in_trace, "request");
    assert!(request.parent_span_id.is_empty(), "the request starts it");
    assert_eq!(
        attribute(request, "correlation_id").as_deref(),
        Some(correlation_id)
    );
    let execution = the(&in_trace, "execution");
    let starter = in_trace
        .iter()
        .find(|span| span.span_id == execution.parent_span_id)
        .expect("the execution's parent is in the trace");
    assert_eq!(
        ["port", "operation"].map(|key| attribute(starter, key)),
        [Some("workflow".to_owned()), Some("start".to_owned())],
        "the call that started the execution"
    );
    assert_eq!(
        steps(&in_trace),
        ["authorize-payment", "confirm-order", "reserve-inventory"]
    );
    let handled: Vec<Option<String>> = in_trace
        .iter()
        .filter(|span| span.name == "event")
        .map(|span| attribute(span, "detail_type"))
        .collect();
    for expected in ["OrderPlaced", "OrderConfirmed"] {
        assert!(
            handled.contains(&Some(expected.to_owned())),
            "{expected} handled in the trace: {handled:?}"
        );
    }
    let ids: Vec<&Vec<u8>> = in_trace.iter().map(|span| &span.span_id).collect();
    for span in &in_trace {
        assert!(
            span.parent_span_id.is_empty() || ids.contains(&&span.parent_span_id),
            "{} {:?}: its parent is in the trace",
            span.name,
            attribute(span, "operation")
        );
    }
    assert_eq!(
        in_trace
            .iter()
            .filter(|span| span.parent_span_id.is_empty())
            .count(),
        1,
        "one root"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
