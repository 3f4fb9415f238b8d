//! What operators read: the notifications the shop mails, and what the scheduled jobs
//! report (`GET /admin/reconciliation`), behind their store ports.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::ids::OrderId;
use crate::domain::mail::EmailAddress;
use crate::domain::store::{Page, PageRequest, StoreError};

/// The recipient of notifications meant for the shop's operators.
pub const OPERATORS: &str = "operators";

/// A message for a shopper or the operators, kept in the [`NotificationOutbox`] and then
/// mailed: one per event and kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The event the notification is about; with `kind`, what makes it unique.
    pub event_id: String,
    /// The event's type, such as `OrderShipped`.
    pub kind: String,
    /// A user id, or `operators`.
    pub recipient: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
    pub subject: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// What became of it; absent while it waits to be mailed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
}

/// What became of a notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "status",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Delivery {
    /// Handed to the mail service, which named it `message_id`.
    Sent {
        to: EmailAddress,
        message_id: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The mail service refused it (a bad address, an unverified sender); sending it
    /// again would be refused again.
    Refused {
        to: EmailAddress,
        reason: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// Not mailed, for `reason`: the shop has no address for its recipient (an order
    /// placed without one, no operators' address configured) or sends no mail. It stays
    /// readable in the outbox.
    Unsent {
        reason: String,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
}

/// Where notifications are kept; deduplicated by event id and kind.
#[async_trait]
pub trait NotificationOutbox: Send + Sync {
    /// Keeps `notification` unless one with the same event id and kind is kept already;
    /// `Ok(false)` then, and nothing is written (whatever the rest of it says).
    async fn record(&self, notification: &Notification) -> Result<bool, StoreError>;

    /// The kept notification of the same event id and kind as `notification`, if any.
    async fn kept(&self, notification: &Notification) -> Result<Option<Notification>, StoreError>;

    /// Writes `notification`, with its delivery, over the kept copy (found by event id and
    /// kind; its `created_at` must be the kept copy's). `Ok(false)` when none is kept.
    async fn save_delivery(&self, notification: &Notification) -> Result<bool, StoreError>;

    /// The notifications for `recipient`, newest first (by `created_at`), one page at a
    /// time. [`StoreError::BadCursor`] for a cursor this listing did not hand out.
    async fn notifications_for(
        &self,
        recipient: &str,
        page: &PageRequest,
    ) -> Result<Page<Notification>, StoreError>;
}

/// What the scheduled jobs report, for operators (`GET /admin/reconciliation`).
#[async_trait]
pub trait OperationsLog: Send + Sync {
    /// Keeps `report`, keyed by its run time (a report with the same `ran_at` replaces
    /// it), for 30 days.
    async fn save_sweep(&self, report: &SweepReport) -> Result<(), StoreError>;

    /// The latest `limit` reports (kept within `1..=`[`PageRequest::MAX_LIMIT`]), newest
    /// first.
    async fn latest_sweeps(&self, limit: u32) -> Result<Vec<SweepReport>, StoreError>;
}

/// The outcome of one sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    /// When the sweep ran.
    #[serde(with = "time::serde::rfc3339")]
    pub ran_at: OffsetDateTime,
    /// Orders whose expired reservations this sweep released.
    pub released_reservations: Vec<OrderId>,
    /// Orders this sweep moved to FAILED.
    pub failed_orders: Vec<OrderId>,
    /// Orders whose captured payments this sweep refunded.
    pub refunded_payments: Vec<OrderId>,
    /// Orders whose authorized (never captured) payments this sweep voided: those of
    /// orders it failed, and of cancelled or failed orders whose void was lost.
    #[serde(default)]
    pub voided_payments: Vec<OrderId>,
    /// Orders whose outcome this sweep published because their saga failed to.
    #[serde(default)]
    pub republished_outcomes: Vec<OrderId>,
    /// What went wrong, one line per failure; the next sweep tries again.
    pub errors: Vec<String>,
}
