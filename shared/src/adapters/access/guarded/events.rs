//! The event publisher behind a function's `publishes` grant.

use std::sync::Arc;

use async_trait::async_trait;

use super::{refusal, traced};
use crate::domain::events::{DomainEvent, EventPublisher, PublishError};

/// An [`EventPublisher`] that publishes only for a function granted `publishes`.
pub struct GuardedPublisher {
    inner: Arc<dyn EventPublisher>,
    function: String,
    publishes: bool,
}

impl GuardedPublisher {
    /// `inner`, for `function`, which may publish if `publishes`.
    pub fn new(inner: Arc<dyn EventPublisher>, function: &str, publishes: bool) -> Self {
        GuardedPublisher {
            inner,
            function: function.to_owned(),
            publishes,
        }
    }
}

#[async_trait]
impl EventPublisher for GuardedPublisher {
    async fn publish(&self, events: Vec<DomainEvent>) -> Result<(), PublishError> {
        if !self.publishes {
            return Err(PublishError::NotGranted(refusal(
                &self.function,
                "publish events",
            )));
        }
        traced("bus", "events", "publish", self.inner.publish(events)).await
    }
}
