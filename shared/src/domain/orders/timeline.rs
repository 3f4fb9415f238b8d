//! One order's story as operators read it: its status changes, its checkout saga's
//! execution history, its payment and refunds, and what the event bus carried about it
//! and each consumer made of that, merged into one time-ordered list.

use serde::Serialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::Order;
use crate::domain::journal::{Happened, JournalEntry};
use crate::domain::payments::Payment;
use crate::domain::workflow::ExecutionReport;

/// Where a [`TimelineEntry`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The order's own history.
    Order,
    /// The checkout saga's execution.
    Saga,
    /// The payment and its refunds.
    Payment,
    /// A webhook of the payment gateway.
    Gateway,
    /// An event published about the order.
    Bus,
    /// A consumer's outcome with such an event.
    Consumer,
}

/// One thing that happened to an order.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub source: Source,
    /// What happened, in a few words: `PENDING → CONFIRMED`, `TaskStateEntered
    /// ReserveInventory`, `published OrderConfirmed`.
    pub what: String,
    /// The rest of what the source keeps about it.
    pub detail: Value,
}

/// The timeline of `order`: every source's entries, oldest first. Entries of the same
/// instant keep the sources' order (order, saga, payment, then the journal's: gateway,
/// bus and consumers, as they were recorded) and each
/// source's own order.
pub fn timeline(
    order: &Order,
    execution: Option<&ExecutionReport>,
    payment: Option<&Payment>,
    journal: &[JournalEntry],
) -> Vec<TimelineEntry> {
    let mut entries: Vec<TimelineEntry> = order.history.iter().map(status_change).collect();
    entries.extend(execution.into_iter().flat_map(|report| {
        report.history.iter().map(|event| TimelineEntry {
            at: event.timestamp,
            source: Source::Saga,
            what: match &event.state {
                Some(state) => format!("{} {state}", event.kind),
                None => event.kind.clone(),
            },
            detail: event.details.clone(),
        })
    }));
    entries.extend(payment.into_iter().flat_map(payment_entries));
    entries.extend(journal.iter().map(journal_entry));
    entries.sort_by_key(|entry| entry.at);
    entries
}

fn status_change(change: &super::StatusChange) -> TimelineEntry {
    TimelineEntry {
        at: change.at,
        source: Source::Order,
        what: match change.from {
            Some(from) => format!("{from} → {}", change.to),
            None => change.to.to_string(),
        },
        detail: json!({ "actor": change.actor, "reason": change.reason }),
    }
}

/// The payment as it stands (a payment keeps no history of its own) and each refund's
/// request and success.
fn payment_entries(payment: &Payment) -> Vec<TimelineEntry> {
    let mut entries = vec![TimelineEntry {
        at: payment.updated_at,
        source: Source::Payment,
        what: format!("payment {}", payment.status.as_str()),
        detail: json!({
            "amount": payment.amount,
            "method": payment.method,
            "gatewayReference": payment.gateway_reference,
            "failureReason": payment.failure_reason,
        }),
    }];
    for refund in &payment.refunds {
        let detail = json!({ "refundId": refund.id, "amount": refund.amount });
        entries.push(TimelineEntry {
            at: refund.requested_at,
            source: Source::Payment,
            what: format!("refund {} requested", refund.id),
            detail: detail.clone(),
        });
        if let Some(succeeded_at) = refund.succeeded_at {
            entries.push(TimelineEntry {
                at: succeeded_at,
                source: Source::Payment,
                what: format!("refund {} succeeded", refund.id),
                detail,
            });
        }
    }
    entries
}

fn journal_entry(entry: &JournalEntry) -> TimelineEntry {
    let event = json!({ "eventId": entry.event_id });
    let (source, what, detail) = match &entry.what {
        Happened::Published => (
            Source::Bus,
            format!("published {}", entry.detail_type),
            event,
        ),
        Happened::Handled { consumer } => (
            Source::Consumer,
            format!("{consumer} handled {}", entry.detail_type),
            event,
        ),
        Happened::Failed { consumer, error } => (
            Source::Consumer,
            format!("{consumer} failed on {}", entry.detail_type),
            json!({ "eventId": entry.event_id, "error": error }),
        ),
        Happened::FromGateway { signed_at } => (
            Source::Gateway,
            format!("gateway {}", entry.detail_type),
            json!({ "eventId": entry.event_id, "signedAt": signed_at }),
        ),
    };
    TimelineEntry {
        at: entry.at,
        source,
        what,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use time::Duration;
    use uuid::Uuid;

    use super::*;
    use crate::domain::ids::{OrderId, UserId};
    use crate::domain::money::{Currency, Money};
    use crate::domain::orders::{OrderStatus, Totals};
    use crate::domain::payments::{Refund, RefundStatus};

    const T0: OffsetDateTime = datetime!(2026-03-01 12:00:00 UTC);

    fn at(seconds: i64) -> OffsetDateTime {
        T0 + Duration::seconds(seconds)
    }

    #[test]
    fn every_source_is_merged_oldest_first_keeping_sources_order_within_an_instant() {
        let zero = Money::zero(Currency::USD);
        let totals = Totals {
            subtotal: zero,
            discount: None,
            shipping: zero,
            tax: zero,
            total: zero,
        };
        let id = OrderId::from_uuid(Uuid::from_u128(1));
        let mut order = Order::place(
            id,
            UserId::parse("alice").unwrap(),
            Vec::new(),
            totals,
            T0,
            T0,
        );
        order
            .transition(OrderStatus::Cancelled, "checkout-saga", None, at(3))
            .unwrap();
        let mut payment = Payment::authorizing(id, zero, "tok".into(), "task".into(), at(2));
        payment.refunds.push(Refund {
            id: "r-1".into(),
            lines: Vec::new(),
            amount: zero,
            status: RefundStatus::Succeeded,
            requested_at: at(4),
            succeeded_at: Some(at(5)),
        });
        let journal = [
            JournalEntry {
                order_id: id,
                at: T0,
                detail_type: "OrderPlaced".into(),
                event_id: "e-1".into(),
                what: Happened::Published,
            },
            JournalEntry {
                order_id: id,
                at: at(1),
                detail_type: "OrderPlaced".into(),
                event_id: "e-1".into(),
                what: Happened::Failed {
                    consumer: "count-events".into(),
                    error: "down".into(),
                },
            },
        ];

        let whats: Vec<(Source, String)> = timeline(&order, None, Some(&payment), &journal)
            .into_iter()
            .map(|entry| (entry.source, entry.what))
            .collect();
        assert_eq!(
            whats,
            [
                (Source::Order, "PENDING".to_owned()),
                (Source::Bus, "published OrderPlaced".to_owned()),
                (
                    Source::Consumer,
                    "count-events failed on OrderPlaced".to_owned()
                ),
                (Source::Payment, "payment AUTHORIZING".to_owned()),
                (Source::Order, "PENDING → CANCELLED".to_owned()),
                (Source::Payment, "refund r-1 requested".to_owned()),
                (Source::Payment, "refund r-1 succeeded".to_owned()),
            ]
        );
    }
}
