//! The ports events go through: publishing them, and handling them on delivery.

use async_trait::async_trait;

use super::DomainEvent;

/// Why some events were not published.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PublishError {
    /// The bus refused some entries even after re-sending them; the others were published.
    #[error("{failed} event(s) were not published; the first refusal: {first_error}")]
    Rejected {
        /// How many events were refused in the end.
        failed: usize,
        /// The first refusal, as the bus worded it.
        first_error: String,
    },
    /// The bus could not be reached, or refused the whole request.
    #[error("the event bus is unavailable: {0}")]
    Unavailable(String),
    /// The function may not publish events (`publishes` in `functions/manifest.json`, see
    /// [`crate::adapters::access`]); nothing was published and retrying cannot help.
    #[error("{0}")]
    NotGranted(String),
}

/// Where the core publishes what happened.
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes `events`; on error, some of them may have been published nonetheless.
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), PublishError>;
}

/// Why a consumer could not handle an event; the delivery should be retried.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the event was not handled: {0}")]
pub struct ConsumeError(pub String);

impl ConsumeError {
    /// `error`, which kept the consumer from handling the event, in its words.
    pub fn of(error: impl std::fmt::Display) -> Self {
        ConsumeError(error.to_string())
    }
}

/// Something that acts on delivered events, called alike by an SQS-fed Lambda on AWS
/// and by the local event bus.
#[async_trait]
pub trait EventConsumer: Send + Sync {
    /// Handles one event. Events may arrive more than once: handling must be idempotent.
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError>;

    /// Called once the events of a batch are handled, for work done once per batch; on
    /// error every event of the batch is delivered again.
    async fn finish_batch(&self) -> Result<(), ConsumeError> {
        Ok(())
    }
}
