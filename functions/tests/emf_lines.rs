//! The `count-events` function's output: an SQS batch of EventBridge events, through the
//! same batch handler its Lambda runs, becomes valid CloudWatch EMF lines in the
//! `Mambogo` namespace, each with the `Stack` dimension and its own labels, and counting
//! exactly the batch; and so do counts made where they happen, and the messages SQS parks. Its own test binary: the EMF collector is the process's one
//! `metrics` recorder.

// A test stops at the line that failed: tests unwrap where production code may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};

use aws_lambda_events::event::sqs::SqsEvent;
use mambogo::adapters::sqs_consumer::ParkedCount;
use mambogo::application::consumers::CountEvents;
use mambogo::application::metrics::{count, DISTRIBUTIONS, SALE_ADMISSIONS, WEBHOOK_DELAY_SECONDS};
use mambogo_functions::consumer::handle_batch;
use mambogo_functions::emf::{EmfMetrics, NAMESPACE};
use serde_json::{json, Value};

/// What the function wrote, shared with the test.
#[derive(Clone, Default)]
struct Written(Arc<Mutex<Vec<u8>>>);

impl Write for Written {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Written {
    /// The lines written since the last call, each parsed.
    fn take_lines(&self) -> Vec<Value> {
        let bytes = std::mem::take(&mut *self.0.lock().unwrap());
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

/// An SQS batch of the events `details` describe, as EventBridge delivers them.
fn batch(events: &[(&str, &str, Value)]) -> SqsEvent {
    let records: Vec<Value> = events
        .iter()
        .enumerate()
        .map(|(index, (source, detail_type, detail))| {
            let envelope = json!({
                "version": "0",
                "id": format!("event-{index}"),
                "source": source,
                "detail-type": detail_type,
                "time": "2026-03-01T10:00:04Z",
                "detail": detail,
            });
            json!({"messageId": format!("message-{index}"), "body": envelope.to_string()})
        })
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

fn order_detail(extra: Value) -> Value {
    let mut detail = json!({
        "eventId": uuid::Uuid::new_v4().to_string(),
        "orderId": "0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55",
        "occurredAt": "2026-03-01T10:00:03.5Z",
        "version": 1,
        "userId": "alice",
    });
    detail
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    detail
}

fn schema() -> jsonschema::Validator {
    let text = include_str!("fixtures/emf.schema.json");
    jsonschema::draft202012::new(&serde_json::from_str(text).unwrap()).unwrap()
}

/// Checks what the schema cannot: each named dimension and metric is a member of the
/// root, a dimension's a string, a metric's a number or up to 100 of them.
fn assert_members_present(line: &Value) {
    for directive in line["_aws"]["CloudWatchMetrics"].as_array().unwrap() {
        for dimension in directive["Dimensions"][0].as_array().unwrap() {
            let name = dimension.as_str().unwrap();
            assert!(line[name].is_string(), "dimension {name} in {line}");
        }
        for metric in directive["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            let value = &line[name];
            let numbers = value.as_array().map_or(value.is_number(), |values| {
                values.len() <= 100 && values.iter().all(Value::is_number)
            });
            assert!(numbers, "metric {name} in {line}");
        }
    }
}

#[tokio::test]
async fn a_batch_and_counts_made_where_they_happen_become_exact_valid_emf_lines() {
    let written = Written::default();
    let metrics = EmfMetrics::new("mambogo-test", Box::new(written.clone())).unwrap();
    let consumer = CountEvents {
        sink: Arc::new(metrics),
    };
    let total = json!({"total": {"amount": 6897, "currency": "USD"}});
    let placed = order_detail(json!({
        "total": {"amount": 6897, "currency": "USD"},
        "lines": [],
        "reservationExpiresAt": "2026-03-01T10:15:00Z",
    }));
    let mut confirmed = order_detail(total.clone());
    confirmed["placedAt"] = json!("2026-03-01T10:00:00Z");
    let failed = |skus: Value| order_detail(json!({"reason": "r", "outOfStockSkus": skus}));
    let declined = order_detail(json!({"reason": "declined"}));
    let answer = handle_batch(
        &consumer,
        batch(&[
            ("mambogo.orders", "OrderPlaced", placed.clone()),
            ("mambogo.orders", "OrderPlaced", placed),
            ("mambogo.orders", "OrderConfirmed", confirmed),
            (
                "mambogo.orders",
                "OrderFailed",
                failed(json!(["MB-0001-BLK"])),
            ),
            ("mambogo.orders", "OrderFailed", failed(json!([]))),
            ("mambogo.payments", "PaymentFailed", declined),
            ("mambogo.orders", "OrderShipped", order_detail(json!({}))),
        ]),
        None,
    )
    .await;
    assert!(answer.batch_item_failures.is_empty(), "{answer:?}");

    assert_eq!(
        checked(&written.take_lines()),
        json!({
            "orders_placed": 2,
            "orders_confirmed": 1,
            "orders_failed{cause=out_of_stock}": 1,
            "orders_failed{cause=other}": 1,
            "payments_declined": 1,
            "checkout_to_confirmed_seconds": [3.5],
        })
    );

    let quiet = handle_batch(
        &consumer,
        batch(&[("mambogo.orders", "OrderShipped", order_detail(json!({})))]),
        None,
    )
    .await;
    assert!(quiet.batch_item_failures.is_empty());
    assert!(
        written.take_lines().is_empty(),
        "a batch that moves nothing writes nothing"
    );

    // What a use case counts where it happens (an admission round, a webhook), written
    // when its invocation ends.
    consumer.sink.increment(&count(SALE_ADMISSIONS), 3);
    consumer.sink.record(WEBHOOK_DELAY_SECONDS, 0.75);
    consumer.sink.flush().unwrap();
    assert_eq!(
        checked(&written.take_lines()),
        json!({"sale_admissions": 3, "webhook_delay_seconds": [0.75]})
    );

    // Messages failed on their queue's last allowed receive are parked by SQS: counted
    // as they fail, written when the batch is answered. A message handled on its last
    // receive, or failed before it, is not.
    let parked = ParkedCount {
        max_receive_count: NonZeroU32::new(5).unwrap(),
        metrics: Arc::clone(&consumer.sink),
    };
    let shipped = serde_json::to_value(batch(&[(
        "mambogo.orders",
        "OrderShipped",
        order_detail(json!({})),
    )]))
    .unwrap()["Records"][0]["body"]
        .clone();
    let received = |id: &str, body: &Value, receives: &str| json!({"messageId": id, "body": body, "attributes": {"ApproximateReceiveCount": receives}});
    let unreadable = json!("not an event");
    let last_tries: SqsEvent = serde_json::from_value(json!({"Records": [
        received("on-its-last", &unreadable, "5"),
        received("before-its-last", &unreadable, "4"),
        received("past-its-last", &unreadable, "6"),
        received("handled-on-its-last", &shipped, "5"),
    ]}))
    .unwrap();
    let answer = handle_batch(&consumer, last_tries, Some(&parked)).await;
    let failed: Vec<&str> = answer
        .batch_item_failures
        .iter()
        .map(|failure| failure.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["on-its-last", "before-its-last", "past-its-last"]);
    assert_eq!(
        checked(&written.take_lines()),
        json!({"dead_letters_parked": 2})
    );
}

/// Checks that every one of `lines` is valid EMF of the shop's namespace and stack, each
/// metric with its unit and dimensions; every metric's value, by name and `cause`.
fn checked(lines: &[Value]) -> Value {
    let schema = schema();
    let mut seen = serde_json::Map::new();
    for line in lines {
        let errors: Vec<String> = schema
            .iter_errors(line)
            .map(|error| error.to_string())
            .collect();
        assert!(errors.is_empty(), "{line}: {errors:?}");
        assert_members_present(line);
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(line["Stack"], "mambogo-test");
        let dimensions = &directive["Dimensions"];
        let cause = line.get("cause").and_then(Value::as_str);
        match cause {
            None => assert_eq!(dimensions, &json!([["Stack"]]), "{line}"),
            Some(_) => assert_eq!(dimensions, &json!([["Stack", "cause"]]), "{line}"),
        }
        for metric in directive["Metrics"].as_array().unwrap() {
            let name = metric["Name"].as_str().unwrap();
            let unit = if DISTRIBUTIONS
                .iter()
                .any(|(distribution, _, _)| *distribution == name)
            {
                "Seconds"
            } else {
                "Count"
            };
            assert_eq!(metric["Unit"], unit, "{line}");
            let key = match cause {
                Some(cause) => format!("{name}{{cause={cause}}}"),
                None => name.to_owned(),
            };
            assert!(seen.insert(key, line[name].clone()).is_none(), "{line}");
        }
    }
    Value::Object(seen)
}
