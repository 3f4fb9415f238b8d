//! What one run of the sweeper found and did: kept by the
//! [`OperationsLog`](crate::ports::OperationsLog) and shown by `GET /admin/reconciliation`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::OrderId;

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
    /// What went wrong, one line per failure; the next sweep tries again.
    pub errors: Vec<String>,
}
