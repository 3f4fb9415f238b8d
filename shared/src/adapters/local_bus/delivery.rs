//! How the local bus hands events to one consumer: SQS's delivery, without its clock.
//!
//! Messages go to the consumer in batches of up to [`DeliverySettings::batch_size`]. A
//! message the consumer fails on goes back to the end of the queue while the others of
//! its batch are done with; after [`DeliverySettings::max_receive_count`] receives it is
//! parked as a dead letter. After each batch the consumer is told it is over
//! ([`EventConsumer::finish_batch`]); if that fails, the batch's handled messages count as
//! failed too, as the Lambda reports them. Where SQS waits out a visibility timeout before a retry, the
//! local bus retries at once, so a test sees the outcome as soon as `publish` returns.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::adapters::event_span::consume_in_span;
use crate::application::metrics::{count, MetricsSink, DEAD_LETTERS_PARKED};
use crate::domain::clock::{Clock, IdSource};
use crate::domain::events::{ConsumeError, DeadLetter, DeadLetters, DomainEvent, EventConsumer};

/// How many messages a batch holds and how often one is delivered before it is parked;
/// SQS's batch size and the dead-letter queue's `maxReceiveCount`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliverySettings {
    /// Messages per batch, 1 to 10 on SQS.
    pub batch_size: usize,
    /// Deliveries of one message before it is parked.
    pub max_receive_count: u32,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            batch_size: 10,
            max_receive_count: 5,
        }
    }
}

/// Where messages that failed every attempt go.
#[derive(Clone)]
pub(super) struct Parking {
    pub store: Arc<dyn DeadLetters>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdSource>,
    pub metrics: Arc<dyn MetricsSink>,
}

/// One event on its way to one consumer.
pub(super) struct Message {
    pub event: DomainEvent,
    pub receive_count: u32,
    pub last_error: String,
}

impl Message {
    pub fn new(event: DomainEvent) -> Message {
        Message {
            event,
            receive_count: 0,
            last_error: String::new(),
        }
    }
}

/// One consumer's queue for the length of one publish (or redrive).
pub(super) struct ConsumerQueue<'a> {
    pub target: &'a str,
    pub consumer: Option<Arc<dyn EventConsumer>>,
    pub settings: DeliverySettings,
    pub parking: Option<&'a Parking>,
}

impl ConsumerQueue<'_> {
    /// Delivers `messages` until each is handled or parked.
    pub async fn drain(&self, messages: Vec<Message>) {
        let mut queue: VecDeque<Message> = messages.into();
        let Some(consumer) = &self.consumer else {
            for mut message in queue {
                message.last_error = format!("no consumer is attached for {}", self.target);
                self.park(message).await;
            }
            return;
        };
        let batch_size = self.settings.batch_size.max(1);
        while !queue.is_empty() {
            let batch: Vec<Message> = queue.drain(..batch_size.min(queue.len())).collect();
            let mut handled = Vec::new();
            for mut message in batch {
                message.receive_count += 1;
                match consume_in_span(consumer.as_ref(), &message.event).await {
                    Ok(()) => handled.push(message),
                    Err(error) => self.failed(message, &error, &mut queue).await,
                }
            }
            if handled.is_empty() {
                continue;
            }
            if let Err(error) = consumer.finish_batch().await {
                for message in handled {
                    self.failed(message, &error, &mut queue).await;
                }
            }
        }
    }

    /// A message the consumer failed on: back to the end of the queue, or parked after
    /// its last attempt.
    async fn failed(
        &self,
        mut message: Message,
        error: &ConsumeError,
        queue: &mut VecDeque<Message>,
    ) {
        tracing::warn!(
            target_consumer = %self.target,
            detail_type = %message.event.event_type,
            event_id = ?message.event.event_id(),
            attempt = message.receive_count,
            %error,
            "a consumer failed to handle an event"
        );
        message.last_error = error.to_string();
        if message.receive_count >= self.settings.max_receive_count {
            self.park(message).await;
        } else {
            queue.push_back(message);
        }
    }

    async fn park(&self, message: Message) {
        let event_id = message.event.event_id();
        let Some(parking) = self.parking else {
            tracing::error!(
                target_consumer = %self.target,
                detail_type = %message.event.event_type,
                ?event_id,
                last_error = %message.last_error,
                "an event failed every attempt and the bus has no dead-letter store: it is lost"
            );
            return;
        };
        let letter = DeadLetter {
            id: parking.ids.next_uuid().to_string(),
            consumer: self.target.to_owned(),
            event: message.event.to_envelope(),
            attempts: message.receive_count,
            last_error: message.last_error,
            parked_at: parking.clock.now(),
        };
        match parking.store.park(&letter).await {
            Ok(()) => {
                parking.metrics.increment(&count(DEAD_LETTERS_PARKED), 1);
                tracing::error!(
                target_consumer = %self.target,
                detail_type = %message.event.event_type,
                ?event_id,
                letter_id = %letter.id,
                attempts = letter.attempts,
                "an event failed every attempt and was parked as a dead letter"
                );
            }
            Err(error) => tracing::error!(
                target_consumer = %self.target,
                detail_type = %message.event.event_type,
                ?event_id,
                %error,
                "an event failed every attempt and cannot be parked: it is lost"
            ),
        }
    }
}
