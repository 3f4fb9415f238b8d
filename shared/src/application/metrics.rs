//! Business metrics. Most are counted from the events the shop publishes: an order
//! placed, confirmed, failed (out of stock or not), cancelled or refunded, a payment
//! declined, a low-stock alert, and how long each confirmed checkout took. The
//! `count-events` consumer ([`crate::application::consumers::CountEvents`]) reads them
//! off the bus, so each change counts once whoever published it (a route, a saga step,
//! the state machine itself on AWS). What no event tells — buyers admitted from a flash
//! sale's waiting room and polls told it sold out, how late payment webhooks arrive — the
//! use case counts where it happens, into [`Services::metrics`](crate::application::Services);
//! reservations' lost races, which happen inside a store's retries, the DynamoDB
//! inventory counts itself. Labels take only values named here, so a metric's series
//! stay few.
//!
//! Names carry no system's conventions: the local shop shows `orders_placed` as
//! Prometheus's `mambogo_orders_placed_total`; on AWS it is `orders_placed` in
//! CloudWatch's `Mambogo` namespace.

use crate::domain::events::payloads::OrderConfirmed;
use crate::domain::events::{DomainEvent, EventType};

/// One business counter, with its labels.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Count {
    /// The counter's name, e.g. `orders_placed`.
    pub name: &'static str,
    pub labels: Vec<(&'static str, &'static str)>,
}

/// The label `orders_failed` is counted by, and its values.
pub const FAILURE_CAUSES: (&str, [&str; 2]) = ("cause", ["out_of_stock", "other"]);

/// Every counter, with what it counts (for the metrics' descriptions).
pub const COUNTERS: [(&str, &str); 12] = [
    ("orders_placed", "Orders placed at checkout."),
    (
        "orders_confirmed",
        "Orders confirmed: paid and their stock committed.",
    ),
    (
        "orders_failed",
        "Orders whose checkout failed, by cause (out_of_stock or other).",
    ),
    (
        "orders_cancelled",
        "Orders cancelled, by the shopper, an operator or the saga's compensation.",
    ),
    ("orders_refunded", "Orders refunded after a return."),
    ("payments_declined", "Payments the gateway declined."),
    (
        "stock_low_alerts",
        "Alerts of a SKU falling below its low-stock threshold.",
    ),
    (
        SALE_ADMISSIONS,
        "Buyers admitted from a flash sale's waiting room to buy.",
    ),
    (
        SALE_SOLD_OUT_ANSWERS,
        "Polls of a flash sale's waiting room answered SOLD_OUT.",
    ),
    (
        RESERVATION_CONFLICTS,
        "Stock reservations whose write lost a race: another reservation took the units it chose, or wrote one of its items at the same time.",
    ),
    (
        RESERVATION_RETRIES,
        "Stock reservations tried again after a lost race.",
    ),
    (
        DEAD_LETTERS_PARKED,
        "Events a consumer failed on every delivery, parked as dead letters.",
    ),
];

/// The counter of buyers admitted from a flash sale's waiting room, each counted by the
/// round that wrote their admission.
pub const SALE_ADMISSIONS: &str = "sale_admissions";

/// The counter of waiting buyers' polls answered SOLD_OUT: each answer counts, so a buyer
/// who polls again after it is counted again.
pub const SALE_SOLD_OUT_ANSWERS: &str = "sale_sold_out_answers";

/// The counter of reservation writes that lost a race: the shards a reservation chose
/// were emptied between its read and its write, or another transaction wrote one of its
/// items at the same time. Only a store that reads before it writes can lose one (the
/// DynamoDB inventory; SQLite's reserve is one serialized transaction).
pub const RESERVATION_CONFLICTS: &str = "reservation_conflicts";

/// The counter of reservation attempts made again after a lost race. A conflict not
/// followed by a retry was the last the reserve would try: the buyer was answered
/// `Conflict`.
pub const RESERVATION_RETRIES: &str = "reservation_retries";

/// The counter of events parked as dead letters after a consumer failed on every
/// delivery: by the local bus as it parks them; on AWS by the consumer function as it
/// fails one on its queue's last allowed receive, after which SQS parks it.
pub const DEAD_LETTERS_PARKED: &str = "dead_letters_parked";

/// The distribution of checkout durations: from the shopper's checkout to their order's
/// confirmation, in seconds.
pub const CHECKOUT_SECONDS: &str = "checkout_to_confirmed_seconds";

/// The distribution of payment webhooks' delays: from the gateway signing one to the
/// shop applying it, in seconds (first deliveries only).
pub const WEBHOOK_DELAY_SECONDS: &str = "webhook_delay_seconds";

/// Every distribution, with what it measures and where a histogram of it puts its
/// buckets' upper bounds.
pub const DISTRIBUTIONS: [(&str, &str, &[f64]); 2] = [
    (
        CHECKOUT_SECONDS,
        "Seconds from checkout to the order's confirmation.",
        // A checkout normally confirms within seconds; a reservation expires after 15
        // minutes.
        &[0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0],
    ),
    (
        WEBHOOK_DELAY_SECONDS,
        "Seconds from the gateway signing a payment webhook to the shop applying it.",
        // A webhook normally arrives within a second; its signature is refused after 5
        // minutes.
        &[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0],
    ),
];

/// The counter `name` without labels.
pub fn count(name: &'static str) -> Count {
    Count {
        name,
        labels: Vec::new(),
    }
}

/// What `event` counts towards.
pub fn counts_of(event: &DomainEvent) -> Vec<Count> {
    match event.event_type {
        EventType::OrderPlaced => vec![count("orders_placed")],
        EventType::OrderConfirmed => vec![count("orders_confirmed")],
        EventType::OrderFailed => {
            let out_of_stock = event.detail["outOfStockSkus"]
                .as_array()
                .is_some_and(|skus| !skus.is_empty());
            vec![Count {
                name: "orders_failed",
                labels: vec![(
                    FAILURE_CAUSES.0,
                    if out_of_stock {
                        "out_of_stock"
                    } else {
                        "other"
                    },
                )],
            }]
        }
        EventType::OrderCancelled => vec![count("orders_cancelled")],
        EventType::OrderRefunded => vec![count("orders_refunded")],
        EventType::PaymentFailed => vec![count("payments_declined")],
        EventType::StockLow => vec![count("stock_low_alerts")],
        _ => Vec::new(),
    }
}

/// How long the checkout `event` confirms took, in seconds: `None` for any other event,
/// or one whose times are missing or out of order.
pub fn checkout_seconds(event: &DomainEvent) -> Option<f64> {
    if event.event_type != EventType::OrderConfirmed {
        return None;
    }
    let confirmed: OrderConfirmed = event.payload().ok()?;
    let took = event.occurred_at()? - confirmed.placed_at;
    (!took.is_negative()).then(|| took.as_seconds_f64())
}

/// Every series the counters have, each at its labels: a registry that starts them at
/// zero shows them before anything happened.
pub fn every_series() -> Vec<Count> {
    let (label, causes) = FAILURE_CAUSES;
    COUNTERS
        .iter()
        .flat_map(|(name, _)| match *name {
            "orders_failed" => causes
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

/// Where business metrics go: a Prometheus registry locally, EMF log lines on AWS.
pub trait MetricsSink: Send + Sync {
    /// Adds `by` to `count`.
    fn increment(&self, count: &Count, by: u64);

    /// Records one value of the distribution `name` (one of [`DISTRIBUTIONS`]).
    fn record(&self, name: &'static str, seconds: f64);

    /// Writes out what was recorded since the last flush, where the sink writes at all.
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;
    use crate::domain::ids::{OrderId, UserId};
    use crate::domain::money::{Currency, Money};

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

    fn confirmed(placed_at: time::OffsetDateTime) -> DomainEvent {
        DomainEvent::new(
            EventType::OrderConfirmed,
            Uuid::nil(),
            OrderId::from_uuid(Uuid::nil()),
            datetime!(2026-03-01 10:00:03.5 UTC),
            OrderConfirmed {
                user_id: UserId::parse("alice").unwrap(),
                total: Money::new(100, Currency::USD),
                placed_at,
            },
        )
        .unwrap()
    }

    #[test]
    fn a_confirmation_measures_its_checkout() {
        assert_eq!(
            checkout_seconds(&confirmed(datetime!(2026-03-01 10:00:00 UTC))),
            Some(3.5)
        );
        assert_eq!(
            checkout_seconds(&confirmed(datetime!(2026-03-01 10:00:04 UTC))),
            None,
            "a clock running backwards measures nothing"
        );
        let mut without_time = confirmed(datetime!(2026-03-01 10:00:00 UTC));
        without_time.detail["placedAt"] = json!(null);
        assert_eq!(checkout_seconds(&without_time), None);
        assert_eq!(
            checkout_seconds(&event(
                EventType::OrderPlaced,
                json!({"occurredAt": "2026-03-01T10:00:00Z"})
            )),
            None
        );
    }
}
