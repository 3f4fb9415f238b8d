//! The idempotency store behind a function's grant on the `idempotency` table. Claiming
//! a key is a conditional write, so it needs `write` like completing and releasing it.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::idempotency::{IdempotencyClaim, IdempotencyStore, StoredResponse};
use crate::domain::store::StoreError;

/// An [`IdempotencyStore`] that checks the function's grant before every call.
pub struct GuardedIdempotency {
    inner: Arc<dyn IdempotencyStore>,
    grant: TableGrant,
}

impl GuardedIdempotency {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn IdempotencyStore>, grant: TableGrant) -> Self {
        GuardedIdempotency { inner, grant }
    }
}

#[async_trait]
impl IdempotencyStore for GuardedIdempotency {
    async fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<IdempotencyClaim, StoreError> {
        self.grant
            .call(
                Access::Write,
                "claim",
                self.inner.claim(key, fingerprint, now, expires_at),
            )
            .await
    }

    async fn complete(
        &self,
        key: &str,
        response: &StoredResponse,
        keep_until: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.grant
            .call(
                Access::Write,
                "complete",
                self.inner.complete(key, response, keep_until),
            )
            .await
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "release", self.inner.release(key))
            .await
    }

    async fn handled(&self, consumer: &str, event_id: &str) -> Result<bool, StoreError> {
        self.grant
            .call(
                Access::Read,
                "handled",
                self.inner.handled(consumer, event_id),
            )
            .await
    }

    async fn record_handled(
        &self,
        consumer: &str,
        event_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.grant
            .call(
                Access::Write,
                "record_handled",
                self.inner.record_handled(consumer, event_id, expires_at),
            )
            .await
    }
}
