//! The payment store behind a function's grant on the `payments` table.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::ids::OrderId;
use crate::domain::payments::PaymentStore;
use crate::domain::payments::{Payment, PaymentStatus};
use crate::domain::store::{Page, PageRequest, StoreError};

/// A [`PaymentStore`] that checks the function's grant before every call.
pub struct GuardedPayments {
    inner: Arc<dyn PaymentStore>,
    grant: TableGrant,
}

impl GuardedPayments {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn PaymentStore>, grant: TableGrant) -> Self {
        GuardedPayments { inner, grant }
    }
}

#[async_trait]
impl PaymentStore for GuardedPayments {
    async fn payment(&self, order: &OrderId) -> Result<Option<Payment>, StoreError> {
        self.grant
            .call(Access::Read, "payment", self.inner.payment(order))
            .await
    }

    async fn save(&self, payment: &Payment) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "save", self.inner.save(payment))
            .await
    }

    async fn apply_gateway_event(
        &self,
        event_id: &str,
        payment: &Payment,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        self.grant
            .call(
                Access::Write,
                "apply_gateway_event",
                self.inner.apply_gateway_event(event_id, payment, now),
            )
            .await
    }

    async fn payments_with_status(
        &self,
        status: PaymentStatus,
        page: &PageRequest,
    ) -> Result<Page<Payment>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "payments_with_status",
                self.inner.payments_with_status(status, page),
            )
            .await
    }
}
