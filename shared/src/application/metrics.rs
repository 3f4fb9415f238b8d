//! Business metrics, counted from the events the shop publishes: an order placed,
//! confirmed, failed (out of stock or not), cancelled or refunded, a payment declined, a
//! low-stock alert. Counting where events are published counts each change once, however
//! many routes, steps or jobs make it. Labels take only values named here, so a metric's
//! series stay few.

use std::sync::Arc;

use async_trait::async_trait;

use crate::domain::events::{DomainEvent, EventPublisher, EventType, PublishError};

/// One business counter, with its labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Count {
    /// The metric's name, as Prometheus shows it.
    pub name: &'static str,
    pub labels: Vec<(&'static str, &'static str)>,
}

/// The label `mambogo_orders_failed_total` is counted by, and its values.
pub const FAILURE_CAUSES: (&str, [&str; 2]) = ("cause", ["out_of_stock", "other"]);

/// Every counter, with what it counts (for the metrics' descriptions).
pub const COUNTERS: [(&str, &str); 7] = [
    ("mambogo_orders_placed_total", "Orders placed at checkout."),
    (
        "mambogo_orders_confirmed_total",
        "Orders confirmed: paid and their stock committed.",
    ),
    (
        "mambogo_orders_failed_total",
        "Orders whose checkout failed, by cause (out_of_stock or other).",
    ),
    (
        "mambogo_orders_cancelled_total",
        "Orders cancelled, by the shopper, an operator or the saga's compensation.",
    ),
    (
        "mambogo_orders_refunded_total",
        "Orders refunded after a return.",
    ),
    (
        "mambogo_payments_declined_total",
        "Payments the gateway declined.",
    ),
    (
        "mambogo_stock_low_alerts_total",
        "Alerts of a SKU falling below its low-stock threshold.",
    ),
];

fn count(name: &'static str) -> Count {
    Count {
        name,
        labels: Vec::new(),
    }
}

/// What `event` counts towards.
pub fn counts_of(event: &DomainEvent) -> Vec<Count> {
    match event.event_type {
        EventType::OrderPlaced => vec![count("mambogo_orders_placed_total")],
        EventType::OrderConfirmed => vec![count("mambogo_orders_confirmed_total")],
        EventType::OrderFailed => {
            let out_of_stock = event.detail["outOfStockSkus"]
                .as_array()
                .is_some_and(|skus| !skus.is_empty());
            vec![Count {
                name: "mambogo_orders_failed_total",
                labels: vec![(
                    "cause",
                    if out_of_stock {
                        "out_of_stock"
                    } else {
                        "other"
                    },
                )],
            }]
        }
        EventType::OrderCancelled => vec![count("mambogo_orders_cancelled_total")],
        EventType::OrderRefunded => vec![count("mambogo_orders_refunded_total")],
        EventType::PaymentFailed => vec![count("mambogo_payments_declined_total")],
        EventType::StockLow => vec![count("mambogo_stock_low_alerts_total")],
        _ => Vec::new(),
    }
}

/// Every series the counters have, each at its labels: a registry that starts them at
/// zero shows them before anything happened.
pub fn every_series() -> Vec<Count> {
    let (label, causes) = FAILURE_CAUSES;
    COUNTERS
        .iter()
        .flat_map(|(name, _)| match *name {
            "mambogo_orders_failed_total" => causes
                .iter()
                .map(|cause| Count {
                    name,
                    labels: vec![(label, *cause)],
                })
                .collect(),
            _ => vec![count(name)],
        })
        .collect()
}

/// Where counts go: a Prometheus registry locally.
pub trait MetricsSink: Send + Sync {
    /// Adds one to `count`.
    fn increment(&self, count: &Count);
}

/// Publishes through `inner`, then counts what was published.
pub struct MeteredPublisher {
    pub inner: Arc<dyn EventPublisher>,
    pub sink: Arc<dyn MetricsSink>,
}

#[async_trait]
impl EventPublisher for MeteredPublisher {
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), PublishError> {
        let counts: Vec<Count> = events.iter().flat_map(counts_of).collect();
        self.inner.publish(events).await?;
        for count in &counts {
            self.sink.increment(count);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(event_type: EventType, detail: serde_json::Value) -> DomainEvent {
        DomainEvent { event_type, detail }
    }

    #[test]
    fn a_failed_order_counts_by_whether_stock_ran_out() {
        let failed = |skus: serde_json::Value| {
            counts_of(&event(
                EventType::OrderFailed,
                json!({"userId": "alice", "reason": "r", "outOfStockSkus": skus}),
            ))
        };
        assert_eq!(
            failed(json!(["MB-0001-BLK"]))[0].labels,
            [("cause", "out_of_stock")]
        );
        assert_eq!(failed(json!([]))[0].labels, [("cause", "other")]);
    }

    #[test]
    fn every_series_holds_whatever_an_event_counts_towards() {
        let series = every_series();
        assert_eq!(series.len(), COUNTERS.len() + 1, "{series:#?}");
        for event_type in EventType::ALL {
            for skus in [json!([]), json!(["MB-0001-BLK"])] {
                for count in counts_of(&event(*event_type, json!({ "outOfStockSkus": skus }))) {
                    assert!(series.contains(&count), "{count:?}");
                }
            }
        }
        assert!(counts_of(&event(EventType::OrderShipped, json!({}))).is_empty());
    }
}
