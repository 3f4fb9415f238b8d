//! One order's journal: what the event bus carried about the order, what each consumer
//! made of it, and the payment gateway's webhooks about it, kept for the order's timeline
//! (`GET /admin/orders/{id}/timeline`).
//! The order, its payment and its saga's execution keep their own histories; the journal
//! holds what nothing else remembers.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::ids::OrderId;
use crate::domain::store::StoreError;

/// The most entries an order's journal is read with: the oldest this many. A checkout
/// writes a few dozen (each event, and each consumer's outcome of it).
pub const MAX_JOURNAL_ENTRIES: usize = 1_000;

/// How long an order's journal is kept after an entry is written: DynamoDB's TTL removes
/// entries this old.
pub const JOURNAL_RETENTION: time::Duration = time::Duration::days(90);

/// Something that happened to an order on the event bus.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    pub order_id: OrderId,
    /// When it happened: an event's own time, or when a consumer finished with it.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The event's type, such as `OrderConfirmed`, or the gateway's (`payment.authorized`).
    pub detail_type: String,
    /// The event's id: the shop's, or the gateway's.
    pub event_id: String,
    #[serde(flatten)]
    pub what: Happened,
}

/// What a [`JournalEntry`] says happened to its event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Happened {
    /// The event was published on the bus.
    Published,
    /// A consumer handled it.
    #[serde(rename_all = "camelCase")]
    Handled { consumer: String },
    /// A consumer failed on it; it is delivered again, or parked as a dead letter.
    #[serde(rename_all = "camelCase")]
    Failed { consumer: String, error: String },
    /// The payment gateway's webhook of it arrived and was applied (its first delivery),
    /// signed by the gateway at `signed_at`.
    #[serde(rename_all = "camelCase")]
    FromGateway {
        #[serde(with = "time::serde::rfc3339")]
        signed_at: OffsetDateTime,
    },
}

impl JournalEntry {
    /// What makes the entry unique within its order's journal: the same event published
    /// or handled again writes the same key (and is kept once); each failure is kept.
    pub fn key(&self) -> String {
        let event = &self.event_id;
        match &self.what {
            Happened::Published => format!("published#{event}"),
            Happened::FromGateway { .. } => format!("gateway#{event}"),
            Happened::Handled { consumer } => format!("handled#{consumer}#{event}"),
            Happened::Failed { consumer, .. } => format!(
                "failed#{consumer}#{event}#{}",
                self.at.unix_timestamp_nanos()
            ),
        }
    }
}

/// Where orders' journals are kept.
#[async_trait]
pub trait OrderJournal: Send + Sync {
    /// Keeps `entry` unless its order's journal holds one with the same
    /// [`key`](JournalEntry::key); `Ok(false)` then, and nothing is written.
    async fn record(&self, entry: &JournalEntry) -> Result<bool, StoreError>;

    /// The order's entries, oldest first (by `at`, then key), at most
    /// [`MAX_JOURNAL_ENTRIES`] of them.
    async fn entries(&self, order: &OrderId) -> Result<Vec<JournalEntry>, StoreError>;
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;

    fn entry(what: Happened) -> JournalEntry {
        JournalEntry {
            order_id: OrderId::from_uuid(Uuid::from_u128(1)),
            at: datetime!(2026-03-01 12:00:00.5 UTC),
            detail_type: "OrderConfirmed".into(),
            event_id: "e-1".into(),
            what,
        }
    }

    #[test]
    fn keys_keep_one_publish_and_handling_but_every_failure() {
        assert_eq!(entry(Happened::Published).key(), "published#e-1");
        let webhook = Happened::FromGateway {
            signed_at: datetime!(2026-03-01 12:00:00 UTC),
        };
        assert_eq!(entry(webhook).key(), "gateway#e-1");
        let handled = Happened::Handled {
            consumer: "clear-cart".into(),
        };
        assert_eq!(entry(handled).key(), "handled#clear-cart#e-1");
        let failed = entry(Happened::Failed {
            consumer: "clear-cart".into(),
            error: "down".into(),
        });
        assert_eq!(failed.key(), "failed#clear-cart#e-1#1772366400500000000");
    }

    #[test]
    fn entries_read_as_one_flat_object() {
        let failed = entry(Happened::Failed {
            consumer: "clear-cart".into(),
            error: "down".into(),
        });
        let json = serde_json::to_value(&failed).unwrap();
        assert_eq!(json["kind"], "FAILED");
        assert_eq!(json["consumer"], "clear-cart");
        assert_eq!(json["error"], "down");
        assert_eq!(json["detailType"], "OrderConfirmed");
        assert_eq!(
            serde_json::from_value::<JournalEntry>(json).unwrap(),
            failed
        );
        assert_eq!(
            serde_json::to_value(entry(Happened::Published)).unwrap()["kind"],
            json!("PUBLISHED")
        );
    }
}
