//! The notification outbox and the operations log behind a function's grant on the
//! `operations` table.

use std::sync::Arc;

use async_trait::async_trait;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::operations::SweepReport;
use crate::domain::operations::{Notification, NotificationOutbox, OperationsLog};
use crate::domain::store::{Page, PageRequest, StoreError};

/// A [`NotificationOutbox`] that checks the function's grant before every call.
pub struct GuardedNotifications {
    inner: Arc<dyn NotificationOutbox>,
    grant: TableGrant,
}

impl GuardedNotifications {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn NotificationOutbox>, grant: TableGrant) -> Self {
        GuardedNotifications { inner, grant }
    }
}

#[async_trait]
impl NotificationOutbox for GuardedNotifications {
    async fn record(&self, notification: &Notification) -> Result<bool, StoreError> {
        self.grant
            .call(Access::Write, "record", self.inner.record(notification))
            .await
    }

    async fn kept(&self, notification: &Notification) -> Result<Option<Notification>, StoreError> {
        self.grant
            .call(Access::Read, "kept", self.inner.kept(notification))
            .await
    }

    async fn save_delivery(&self, notification: &Notification) -> Result<bool, StoreError> {
        self.grant
            .call(
                Access::Write,
                "save_delivery",
                self.inner.save_delivery(notification),
            )
            .await
    }

    async fn notifications_for(
        &self,
        recipient: &str,
        page: &PageRequest,
    ) -> Result<Page<Notification>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "notifications_for",
                self.inner.notifications_for(recipient, page),
            )
            .await
    }
}

/// An [`OperationsLog`] that checks the function's grant before every call.
pub struct GuardedOperationsLog {
    inner: Arc<dyn OperationsLog>,
    grant: TableGrant,
}

impl GuardedOperationsLog {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn OperationsLog>, grant: TableGrant) -> Self {
        GuardedOperationsLog { inner, grant }
    }
}

#[async_trait]
impl OperationsLog for GuardedOperationsLog {
    async fn save_sweep(&self, report: &SweepReport) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "save_sweep", self.inner.save_sweep(report))
            .await
    }

    async fn latest_sweeps(&self, limit: u32) -> Result<Vec<SweepReport>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "latest_sweeps",
                self.inner.latest_sweeps(limit),
            )
            .await
    }
}
