//! The payments' store port.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{Payment, PaymentStatus};
use crate::domain::ids::OrderId;
use crate::domain::store::{Page, PageRequest, StoreError};

/// Payments, and the gateway events already applied to them.
#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// The payment of an order.
    async fn payment(&self, order: &OrderId) -> Result<Option<Payment>, StoreError>;

    /// Writes `payment`: version 1 creates it, any later version requires the stored
    /// version to be one less. [`StoreError::Conflict`] otherwise.
    async fn save(&self, payment: &Payment) -> Result<(), StoreError>;

    /// Records the gateway event `event_id` and saves `payment` (as [`Self::save`] does)
    /// in one transaction. `Ok(false)` when the event was recorded before: nothing is written.
    async fn apply_gateway_event(
        &self,
        event_id: &str,
        payment: &Payment,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// The payments now in `status`, least recently changed first (by `updated_at`, to
    /// the second), one page at a time; for reconciliation. Like
    /// [`OrderStore::orders_with_status`], it may lag a write by a moment on DynamoDB.
    /// [`StoreError::BadCursor`] for a cursor this listing did not hand out.
    async fn payments_with_status(
        &self,
        status: PaymentStatus,
        page: &PageRequest,
    ) -> Result<Page<Payment>, StoreError>;
}
