//! Idempotency: keys of requests that may be retried, and the events each consumer has
//! handled, behind one store port.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::domain::store::StoreError;

/// A response kept for replaying a retried request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub body: String,
}

/// What claiming an idempotency key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is new; the caller does the work and then completes it.
    Claimed,
    /// The same request was answered before: answer the same again.
    Replay(StoredResponse),
    /// The same request is being worked on right now.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
}

/// Idempotency keys of requests, and events each consumer has handled.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a request whose body hashes to `fingerprint`, until `expires_at`:
    /// a lease, after which a request that died holding the claim may be sent again and
    /// claim the key anew. An expired key counts as new.
    async fn claim(
        &self,
        key: &str,
        fingerprint: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> Result<IdempotencyClaim, StoreError>;

    /// Stores the response of a claimed request, kept for replays until `keep_until`.
    async fn complete(
        &self,
        key: &str,
        response: &StoredResponse,
        keep_until: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// Gives up a claim whose work failed, so that a retry can do it.
    async fn release(&self, key: &str) -> Result<(), StoreError>;

    /// Whether `consumer` has handled the event `event_id`.
    async fn handled(&self, consumer: &str, event_id: &str) -> Result<bool, StoreError>;

    /// Records that `consumer` handled the event `event_id`, until `expires_at`.
    async fn record_handled(
        &self,
        consumer: &str,
        event_id: &str,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError>;
}
