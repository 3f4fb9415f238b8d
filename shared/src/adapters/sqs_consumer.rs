//! Consumers fed by SQS: each EventBridge rule puts its events on the queue of the
//! consumer it names, and whatever drains that queue hands each message to the consumer.
//! On AWS a Lambda's event source mapping drains it ([`consume_batch`] handles each
//! batch); the local shop on AWS's services drains it itself with an [`SqsPoller`].
//!
//! A message the consumer failed on stays in the queue to be received again; after the
//! queue's `maxReceiveCount` receives, SQS moves it to the dead-letter queue. Told that
//! count, [`consume_batch`] counts such messages as they fail their last receive
//! ([`DEAD_LETTERS_PARKED`]), as the local bus counts those it parks.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, DeleteMessageBatchRequestEntry, QueueAttributeName,
};
use aws_sdk_sqs::Client;
use backon::{BackoffBuilder, ExponentialBuilder};

use crate::adapters::aws_error::sqs_unavailable as unavailable;
use crate::adapters::event_span::consume_in_span;
use crate::application::metrics::{count, MetricsSink, DEAD_LETTERS_PARKED};
use crate::domain::events::{DomainEvent, EventConsumer};
use crate::domain::store::StoreError;

/// One message of a batch: its id, its body (an EventBridge event), and how many times
/// SQS has handed it out, this time included (its `ApproximateReceiveCount`), if known.
#[derive(Clone, Copy, Debug)]
pub struct QueuedMessage<'a> {
    pub id: &'a str,
    pub body: Option<&'a str>,
    pub receive_count: Option<u32>,
}

/// What counts the messages a queue parks: its `maxReceiveCount`, and where
/// [`DEAD_LETTERS_PARKED`] goes.
#[derive(Clone)]
pub struct ParkedCount {
    pub max_receive_count: NonZeroU32,
    pub metrics: Arc<dyn MetricsSink>,
}

impl ParkedCount {
    /// Counts the messages among `failed` that SQS parks rather than hands out again:
    /// those on their last allowed receive.
    fn count(&self, messages: &[QueuedMessage<'_>], failed: &[String]) {
        let last = messages.iter().filter(|message| {
            message
                .receive_count
                .is_some_and(|receives| receives >= self.max_receive_count.get())
                && failed.iter().any(|id| id == message.id)
        });
        for message in last {
            tracing::error!(
                message_id = %message.id,
                receives = message.receive_count,
                "a message failed its last receive; SQS parks it in the dead-letter queue"
            );
            self.metrics.increment(&count(DEAD_LETTERS_PARKED), 1);
        }
    }
}

/// Hands every message of a batch to `consumer`, one at a time, then tells it the batch
/// is over; returns the ids of the messages that failed: every one if finishing the batch
/// failed. A message that is not an EventBridge event fails too: it can only be parked.
/// With `parked`, the failed messages on their last receive are counted.
pub async fn consume_batch(
    consumer: &dyn EventConsumer,
    messages: &[QueuedMessage<'_>],
    parked: Option<&ParkedCount>,
) -> Vec<String> {
    let mut failed = Vec::new();
    let mut handled = Vec::new();
    for message in messages {
        match consume_message(consumer, message).await {
            Ok(()) => handled.push(message.id.to_owned()),
            Err(problem) => {
                tracing::warn!(message_id = %message.id, %problem, "message not handled");
                failed.push(message.id.to_owned());
            }
        }
    }
    if !handled.is_empty() {
        if let Err(problem) = consumer.finish_batch().await {
            tracing::warn!(%problem, messages = handled.len(), "the batch could not be finished; its messages are delivered again");
            failed.extend(handled);
        }
    }
    if let Some(parked) = parked {
        parked.count(messages, &failed);
    }
    failed
}

async fn consume_message(
    consumer: &dyn EventConsumer,
    message: &QueuedMessage<'_>,
) -> Result<(), String> {
    let body = message.body.ok_or("the message has no body")?;
    let envelope: serde_json::Value =
        serde_json::from_str(body).map_err(|error| format!("not JSON: {error}"))?;
    let event = DomainEvent::from_envelope(&envelope).map_err(|error| error.to_string())?;
    consume_in_span(consumer, &event)
        .await
        .map_err(|error| error.to_string())
}

/// The most messages one ReceiveMessage returns.
const RECEIVE_BATCH: i32 = 10;
/// How long a receive waits for a message (SQS's longest long poll).
const LONG_POLL_SECONDS: i32 = 20;

fn receipts_of<'a>(messages: Vec<(&str, &'a str)>) -> Vec<&'a str> {
    messages.into_iter().map(|(_, receipt)| receipt).collect()
}

/// The entries of a batch call on the messages with `receipts`, each with its position
/// as its id.
fn entries<T, E: std::fmt::Display>(
    receipts: &[&str],
    entry: impl Fn(String, &str) -> Result<T, E>,
) -> Result<Vec<T>, StoreError> {
    receipts
        .iter()
        .enumerate()
        .map(|(index, receipt)| {
            entry(index.to_string(), receipt)
                .map_err(|error| StoreError::Unavailable(error.to_string()))
        })
        .collect()
}

/// Drains one consumer's queue into the consumer, as Lambda's event source mapping
/// would: batches of up to ten by long polling, the handled messages deleted. Where
/// Lambda leaves a failed message hidden until the queue's visibility timeout ends, the
/// poller makes it visible again at once, as the local bus retries at once.
pub struct SqsPoller {
    client: Client,
    queue_url: String,
    consumer: Arc<dyn EventConsumer>,
}

impl SqsPoller {
    /// A poller of the queue at `queue_url`, handing its messages to `consumer`.
    pub fn new(client: Client, queue_url: String, consumer: Arc<dyn EventConsumer>) -> Self {
        SqsPoller {
            client,
            queue_url,
            consumer,
        }
    }

    /// Receives one batch (waiting for one if the queue is empty), hands it to the
    /// consumer, deletes what it handled and puts back what failed; how many messages it
    /// received.
    pub async fn poll_once(&self) -> Result<usize, StoreError> {
        let received = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(RECEIVE_BATCH)
            .wait_time_seconds(LONG_POLL_SECONDS)
            .send()
            .await
            .map_err(unavailable)?
            .messages
            .unwrap_or_default();
        let batch: Vec<QueuedMessage> = received
            .iter()
            .map(|message| QueuedMessage {
                id: message.message_id().unwrap_or_default(),
                body: message.body(),
                receive_count: None,
            })
            .collect();
        // Receive counts are not asked for: the local shop on AWS's services leaves its
        // dead letters to be seen in the dead-letter queues (`GET /admin/dead-letters`).
        let failed = consume_batch(self.consumer.as_ref(), &batch, None).await;
        let (retry, done): (Vec<_>, Vec<_>) = received
            .iter()
            .filter_map(|message| Some((message.message_id()?, message.receipt_handle()?)))
            .partition(|(id, _)| failed.iter().any(|failed| failed == id));
        self.delete(&receipts_of(done)).await?;
        self.retry(&receipts_of(retry)).await?;
        Ok(received.len())
    }

    async fn delete(&self, receipts: &[&str]) -> Result<(), StoreError> {
        if receipts.is_empty() {
            return Ok(());
        }
        let entries = entries(receipts, |id, receipt| {
            DeleteMessageBatchRequestEntry::builder()
                .id(id)
                .receipt_handle(receipt)
                .build()
        })?;
        let answer = self
            .client
            .delete_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(unavailable)?;
        // A message not deleted comes back and is handled again, which consumers allow.
        for failure in answer.failed() {
            tracing::warn!(entry = %failure.id(), code = %failure.code(), "a handled message was not deleted and will come back");
        }
        Ok(())
    }

    async fn retry(&self, receipts: &[&str]) -> Result<(), StoreError> {
        if receipts.is_empty() {
            return Ok(());
        }
        let entries = entries(receipts, |id, receipt| {
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id(id)
                .receipt_handle(receipt)
                .visibility_timeout(0)
                .build()
        })?;
        self.client
            .change_message_visibility_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Whether the queue holds no message, waiting or being handled (by SQS's
    /// approximate counts, which an emulator keeps exact).
    pub async fn idle(&self) -> Result<bool, StoreError> {
        let answer = self
            .client
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .map_err(unavailable)?;
        let attributes = answer.attributes();
        Ok([
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .all(|count| {
            attributes
                .and_then(|attributes| attributes.get(count))
                .is_some_and(|count| count == "0")
        }))
    }

    /// Polls until the task running it is dropped; while SQS cannot be reached, waits
    /// longer between tries, up to five seconds.
    pub async fn run(self: Arc<Self>) {
        let backoff = || {
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(100))
                .with_max_delay(Duration::from_secs(5))
                .without_max_times()
                .build()
        };
        let mut waits = backoff();
        loop {
            match self.poll_once().await {
                Ok(_) => waits = backoff(),
                Err(error) => {
                    let wait = waits.next().unwrap_or(Duration::from_secs(5));
                    tracing::warn!(queue = %self.queue_url, %error, ?wait, "cannot poll the queue");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}
