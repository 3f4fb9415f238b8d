//! The span a consumer handles an event in, alike on the local bus and behind SQS: the
//! event's type and id, its order and the order's correlation id, so every line the
//! consumer logs names the order it is about.

use tracing::Instrument;

use crate::domain::events::{ConsumeError, DomainEvent, EventConsumer};

/// The span handling `event` runs in.
pub fn event_span(event: &DomainEvent) -> tracing::Span {
    tracing::info_span!(
        "event",
        detail_type = %event.event_type,
        event_id = event.event_id().map(tracing::field::display),
        order_id = event.order_id().map(tracing::field::display),
        correlation_id = event.correlation_id().map(tracing::field::display),
    )
}

/// Hands `event` to `consumer` in the event's span, logging (at debug) that it was handled.
pub async fn consume_in_span(
    consumer: &dyn EventConsumer,
    event: &DomainEvent,
) -> Result<(), ConsumeError> {
    async {
        let outcome = consumer.consume(event).await;
        if outcome.is_ok() {
            tracing::debug!("event handled");
        }
        outcome
    }
    .instrument(event_span(event))
    .await
}
