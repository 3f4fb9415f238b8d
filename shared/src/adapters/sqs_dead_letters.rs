//! Dead letters on AWS: each consumer's SQS queue has a dead-letter queue, to which SQS
//! itself moves a message after the queue's `maxReceiveCount` receives.
//!
//! SQS has no "list" or "get by id": a queue hands out messages to whoever receives them
//! and hides them for a visibility timeout. So [`SqsDeadLetters::list`] receives (peeks
//! at) the messages of every dead-letter queue and makes them visible again at once, and
//! [`SqsDeadLetters::redrive`] receives until it finds the one asked for, sends its body
//! back to the consumer's queue, deletes it from the dead-letter queue, and makes the
//! others visible again. A letter's id is `<consumer>.<SQS message id>`.
//!
//! What SQS keeps of a message is its body (the EventBridge event), its receive count and
//! when it was first sent, so a letter SQS parked has `attempts` = its approximate
//! receive count (peeks count too), `parked_at` = when EventBridge first sent it, and no
//! `last_error` (the consumer's log has it). Letters parked through [`DeadLetters::park`]
//! carry all three as message attributes.
//!
//! SQS does not order a queue, so a listing is one page of at most `limit` letters,
//! without a cursor: redrive or fix some and list again.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, Message, MessageAttributeValue,
    MessageSystemAttributeName,
};
use aws_sdk_sqs::Client;
use serde::Deserialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::adapters::aws_error::sqs_unavailable as unavailable;
use crate::domain::events::{DeadLetter, DeadLetters};
use crate::domain::store::{Page, PageRequest, StoreError};

/// How long a received message stays hidden while a listing or redrive looks at it, if
/// making it visible again fails.
const PEEK_SECONDS: i32 = 30;
/// The most messages one ReceiveMessage returns.
const RECEIVE_BATCH: i32 = 10;
/// Receives per queue in one listing or redrive, at most.
const MAX_RECEIVES: usize = 20;
const ATTEMPTS: &str = "attempts";
const LAST_ERROR: &str = "lastError";
const PARKED_AT: &str = "parkedAt";

/// A consumer's queue and the dead-letter queue behind it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConsumerQueues {
    /// Where EventBridge sends the consumer's events.
    pub queue_url: String,
    /// Where SQS parks the messages the consumer failed on `maxReceiveCount` times.
    pub dlq_url: String,
}

/// Reads the consumers' queues from JSON: `{"notify-shopper": {"queueUrl": "…",
/// "dlqUrl": "…"}, …}` (how Terraform hands them to a function).
pub fn parse_dead_letter_queues(
    json: &str,
) -> Result<BTreeMap<String, ConsumerQueues>, serde_json::Error> {
    serde_json::from_str(json)
}

/// [`DeadLetters`] on the consumers' SQS dead-letter queues.
#[derive(Clone, Debug)]
pub struct SqsDeadLetters {
    client: Client,
    queues: BTreeMap<String, ConsumerQueues>,
    wait_seconds: i32,
}

/// A message received from a dead-letter queue.
struct Received {
    consumer: String,
    message: Message,
}

impl SqsDeadLetters {
    /// Dead letters of the consumers in `queues`. A receive waits up to one second for
    /// messages (long polling asks every SQS server, so an empty answer means empty).
    pub fn new(client: Client, queues: BTreeMap<String, ConsumerQueues>) -> Self {
        SqsDeadLetters {
            client,
            queues,
            wait_seconds: 1,
        }
    }

    /// This adapter, waiting `seconds` per receive (0: short polling, for emulators).
    pub fn waiting(mut self, seconds: i32) -> Self {
        self.wait_seconds = seconds;
        self
    }

    fn queues_of(&self, consumer: &str) -> Result<&ConsumerQueues, StoreError> {
        self.queues.get(consumer).ok_or_else(|| {
            StoreError::Unavailable(format!(
                "the dead-letter queues name no queues for the consumer {consumer}"
            ))
        })
    }

    async fn receive(&self, consumer: &str, dlq_url: &str) -> Result<Vec<Received>, StoreError> {
        let output = self
            .client
            .receive_message()
            .queue_url(dlq_url)
            .max_number_of_messages(RECEIVE_BATCH)
            .visibility_timeout(PEEK_SECONDS)
            .wait_time_seconds(self.wait_seconds)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(unavailable)?;
        Ok(output
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|message| Received {
                consumer: consumer.to_owned(),
                message,
            })
            .collect())
    }

    /// Makes peeked messages visible again; a failure only delays them by the peek time.
    async fn release(&self, dlq_url: &str, received: &[Received]) {
        for chunk in received.chunks(RECEIVE_BATCH as usize) {
            let entries: Vec<_> = chunk
                .iter()
                .enumerate()
                .filter_map(|(index, received)| {
                    ChangeMessageVisibilityBatchRequestEntry::builder()
                        .id(index.to_string())
                        .set_receipt_handle(received.message.receipt_handle.clone())
                        .visibility_timeout(0)
                        .build()
                        .ok()
                })
                .collect();
            if entries.is_empty() {
                continue;
            }
            let released = self
                .client
                .change_message_visibility_batch()
                .queue_url(dlq_url)
                .set_entries(Some(entries))
                .send()
                .await;
            if let Err(error) = released {
                tracing::warn!(error = %DisplayErrorContext(&error), "cannot make peeked dead letters visible again");
            }
        }
    }

    /// Receives from `consumer`'s dead-letter queue until `done` says so, the queue is
    /// empty or [`MAX_RECEIVES`] receives were made; returns everything received, which
    /// stays hidden until [`SqsDeadLetters::release`]d.
    async fn peek(
        &self,
        consumer: &str,
        dlq_url: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Result<Vec<Received>, StoreError> {
        let mut seen: Vec<Received> = Vec::new();
        for _ in 0..MAX_RECEIVES {
            if done(&seen) {
                break;
            }
            let batch = match self.receive(consumer, dlq_url).await {
                Ok(batch) => batch,
                Err(error) => {
                    self.release(dlq_url, &seen).await;
                    return Err(error);
                }
            };
            if batch.is_empty() {
                break;
            }
            seen.extend(batch);
        }
        Ok(seen)
    }
}

fn message_attribute<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message
        .message_attributes()
        .and_then(|attributes| attributes.get(name))
        .and_then(MessageAttributeValue::string_value)
}

fn system_attribute(message: &Message, name: MessageSystemAttributeName) -> Option<&str> {
    message
        .attributes()
        .and_then(|attributes| attributes.get(&name))
        .map(String::as_str)
}

/// The letter a received message holds.
fn letter_of(received: &Received) -> Result<DeadLetter, StoreError> {
    let message = &received.message;
    let message_id = message
        .message_id()
        .ok_or_else(|| StoreError::Corrupt("a dead letter has no message id".into()))?;
    let event: Value = message
        .body()
        .map(|body| serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned())))
        .unwrap_or(Value::Null);
    let attempts = message_attribute(message, ATTEMPTS)
        .or_else(|| system_attribute(message, MessageSystemAttributeName::ApproximateReceiveCount))
        .and_then(|count| count.parse().ok())
        .unwrap_or(0);
    let parked_at = message_attribute(message, PARKED_AT)
        .and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok())
        .or_else(|| {
            system_attribute(message, MessageSystemAttributeName::SentTimestamp)
                .and_then(|millis| millis.parse::<i128>().ok())
                .and_then(|millis| {
                    OffsetDateTime::from_unix_timestamp_nanos(millis * 1_000_000).ok()
                })
        })
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Ok(DeadLetter {
        id: format!("{}.{message_id}", received.consumer),
        consumer: received.consumer.clone(),
        event,
        attempts,
        last_error: message_attribute(message, LAST_ERROR)
            .unwrap_or_default()
            .to_owned(),
        parked_at,
    })
}

fn string_attribute(value: String) -> Result<MessageAttributeValue, StoreError> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(|error| StoreError::Corrupt(error.to_string()))
}

#[async_trait]
impl DeadLetters for SqsDeadLetters {
    /// Sends the letter's event to its consumer's dead-letter queue, with its attempts,
    /// last error and parking time as message attributes; SQS names it anew.
    async fn park(&self, letter: &DeadLetter) -> Result<(), StoreError> {
        let queues = self.queues_of(&letter.consumer)?;
        let parked_at = letter
            .parked_at
            .format(&Rfc3339)
            .map_err(|error| StoreError::Corrupt(error.to_string()))?;
        let mut attributes: HashMap<String, MessageAttributeValue> = HashMap::new();
        attributes.insert(
            ATTEMPTS.to_owned(),
            MessageAttributeValue::builder()
                .data_type("Number")
                .string_value(letter.attempts.to_string())
                .build()
                .map_err(|error| StoreError::Corrupt(error.to_string()))?,
        );
        attributes.insert(PARKED_AT.to_owned(), string_attribute(parked_at)?);
        if !letter.last_error.is_empty() {
            attributes.insert(
                LAST_ERROR.to_owned(),
                string_attribute(letter.last_error.clone())?,
            );
        }
        self.client
            .send_message()
            .queue_url(&queues.dlq_url)
            .message_body(letter.event.to_string())
            .set_message_attributes(Some(attributes))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<DeadLetter>, StoreError> {
        if page.cursor.is_some() {
            return Err(StoreError::BadCursor);
        }
        let limit = page.bounded_limit() as usize;
        // Every queue at once: an empty one answers only when its long poll ends.
        let peeked =
            futures::future::join_all(self.queues.iter().map(|(consumer, queues)| async move {
                let received = self
                    .peek(consumer, &queues.dlq_url, |seen| seen.len() >= limit)
                    .await?;
                self.release(&queues.dlq_url, &received).await;
                received
                    .iter()
                    .take(limit)
                    .map(letter_of)
                    .collect::<Result<Vec<_>, _>>()
            }))
            .await;
        let mut letters = Vec::new();
        for queue in peeked {
            letters.extend(queue?);
        }
        letters.sort_by(|a, b| (a.parked_at, &a.id).cmp(&(b.parked_at, &b.id)));
        letters.truncate(limit);
        Ok(Page {
            items: letters,
            next_cursor: None,
        })
    }

    async fn redrive(&self, id: &str) -> Result<Option<DeadLetter>, StoreError> {
        let Some((consumer, message_id)) = id.split_once('.') else {
            return Ok(None);
        };
        let Some(queues) = self.queues.get(consumer) else {
            return Ok(None);
        };
        let is_it = |received: &Received| received.message.message_id() == Some(message_id);
        let mut received = self
            .peek(consumer, &queues.dlq_url, |seen| seen.iter().any(is_it))
            .await?;
        let Some(position) = received.iter().position(is_it) else {
            self.release(&queues.dlq_url, &received).await;
            return Ok(None);
        };
        let found = received.swap_remove(position);
        self.release(&queues.dlq_url, &received).await;
        let letter = letter_of(&found)?;
        let sent = self
            .client
            .send_message()
            .queue_url(&queues.queue_url)
            .set_message_body(found.message.body.clone())
            .send()
            .await;
        if let Err(error) = sent {
            // Visible again at once, rather than hidden until its peek times out.
            self.release(&queues.dlq_url, std::slice::from_ref(&found))
                .await;
            return Err(unavailable(error));
        }
        if let Err(error) = self
            .client
            .delete_message()
            .queue_url(&queues.dlq_url)
            .set_receipt_handle(found.message.receipt_handle.clone())
            .send()
            .await
        {
            // The event is back on its queue; the copy left here shows up again in the
            // listing, and a second redrive delivers a duplicate the consumer drops.
            tracing::warn!(letter_id = %letter.id, error = %DisplayErrorContext(&error), "a redriven dead letter could not be deleted");
        }
        Ok(Some(letter))
    }
}
