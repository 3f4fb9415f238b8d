//! Orders' journals behind a function's grant on the `journal` table.

use std::sync::Arc;

use async_trait::async_trait;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::ids::OrderId;
use crate::domain::journal::{JournalEntry, OrderJournal};
use crate::domain::store::StoreError;

/// An [`OrderJournal`] that checks the function's grant before every call.
pub struct GuardedJournal {
    inner: Arc<dyn OrderJournal>,
    grant: TableGrant,
}

impl GuardedJournal {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn OrderJournal>, grant: TableGrant) -> Self {
        GuardedJournal { inner, grant }
    }
}

#[async_trait]
impl OrderJournal for GuardedJournal {
    async fn record(&self, entry: &JournalEntry) -> Result<bool, StoreError> {
        self.grant
            .call(Access::Write, "record", self.inner.record(entry))
            .await
    }

    async fn entries(&self, order: &OrderId) -> Result<Vec<JournalEntry>, StoreError> {
        self.grant
            .call(Access::Read, "entries", self.inner.entries(order))
            .await
    }
}
