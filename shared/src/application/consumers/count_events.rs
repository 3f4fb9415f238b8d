//! The `count-events` consumer: turns the business events its rule
//! (`events/rules/count-business-events.json`) delivers into metrics
//! ([`crate::application::metrics`]): CloudWatch EMF lines on AWS, the local shop's
//! Prometheus registry on one machine.
//!
//! Counting keeps no ledger of handled events: a batch delivered again after a crash
//! counts twice, as EMF itself may (it promises metrics at least once). A ledger write per
//! event would double the writes of a flash sale for a graph's rare extra point.

use std::sync::Arc;

use async_trait::async_trait;

use crate::application::metrics::{checkout_seconds, counts_of, MetricsSink, CHECKOUT_SECONDS};
use crate::domain::events::{ConsumeError, DomainEvent, EventConsumer};

/// The consumer's name: the target of its rule in `events/rules/` and its function.
pub const COUNT_EVENTS: &str = "count-events";

/// Counts each delivered event into `sink`, and flushes the sink after each batch.
pub struct CountEvents {
    pub sink: Arc<dyn MetricsSink>,
}

#[async_trait]
impl EventConsumer for CountEvents {
    async fn consume(&self, event: &DomainEvent) -> Result<(), ConsumeError> {
        for count in counts_of(event) {
            self.sink.increment(&count, 1);
        }
        if let Some(seconds) = checkout_seconds(event) {
            self.sink.record(CHECKOUT_SECONDS, seconds);
        }
        Ok(())
    }

    async fn finish_batch(&self) -> Result<(), ConsumeError> {
        self.sink
            .flush()
            .map_err(|error| ConsumeError(format!("cannot write the metrics: {error}")))
    }
}
