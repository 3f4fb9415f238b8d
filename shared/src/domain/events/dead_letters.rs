//! Dead letters: events a consumer failed to handle on every delivery attempt, parked
//! where an operator can see them and, once the cause is fixed, send them back.
//!
//! On AWS every consumer's queue has a dead-letter queue that SQS moves a message to
//! after `maxReceiveCount` receives ([`crate::adapters::sqs_dead_letters`]); locally the
//! event bus parks them in an SQLite table ([`crate::adapters::sqlite::SqliteDeadLetters`])
//! and redrives through itself ([`super::local_bus::LocalEventBus`]).

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::domain::store::{Page, PageRequest, StoreError};

/// One parked event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeadLetter {
    /// The letter's id, unique among the dead letters (what the redrive route takes).
    pub id: String,
    /// The consumer that could not handle it: the target of its rule in `events/rules/`.
    pub consumer: String,
    /// The event as it was delivered: the EventBridge envelope (`source`,
    /// `detail-type`, `detail`, …).
    pub event: Value,
    /// How many times it was delivered before it was parked.
    pub attempts: u32,
    /// The consumer's last error, for people; empty when the queue did not keep it.
    pub last_error: String,
    /// When it was parked.
    #[serde(with = "time::serde::rfc3339")]
    pub parked_at: OffsetDateTime,
}

/// Where undeliverable events wait for an operator.
#[async_trait]
pub trait DeadLetters: Send + Sync {
    /// Parks `letter`. A store may name it anew (SQS does); one that keeps the id
    /// ignores a second letter with an id it holds.
    async fn park(&self, letter: &DeadLetter) -> Result<(), StoreError>;

    /// The parked letters, oldest first, a page at a time.
    async fn list(&self, page: &PageRequest) -> Result<Page<DeadLetter>, StoreError>;

    /// Takes the letter `id` out of the dead letters and delivers its event to its
    /// consumer again (on AWS: sends it back to the consumer's queue). Returns the letter
    /// as it was parked, or `None` if there is no such letter. A delivery that fails
    /// again parks the event again, under a new id.
    async fn redrive(&self, id: &str) -> Result<Option<DeadLetter>, StoreError>;
}

/// The dead letters of a function that may not touch them: every call is refused with
/// [`StoreError::NotGranted`], as its IAM policy would refuse SQS.
#[derive(Clone, Debug)]
pub struct NoDeadLetters {
    /// The function, named in the refusal.
    pub function: String,
}

impl NoDeadLetters {
    fn refuse(&self) -> StoreError {
        StoreError::NotGranted(format!(
            "{} may not use the dead-letter queues (functions/manifest.json)",
            self.function
        ))
    }
}

#[async_trait]
impl DeadLetters for NoDeadLetters {
    async fn park(&self, _letter: &DeadLetter) -> Result<(), StoreError> {
        Err(self.refuse())
    }

    async fn list(&self, _page: &PageRequest) -> Result<Page<DeadLetter>, StoreError> {
        Err(self.refuse())
    }

    async fn redrive(&self, _id: &str) -> Result<Option<DeadLetter>, StoreError> {
        Err(self.refuse())
    }
}
