//! Event consumers as Lambdas: EventBridge rules put events on a queue per consumer
//! (`events/rules/`), and SQS hands the function batches. Each message is one
//! EventBridge event; the ones the consumer could not handle are reported as partial
//! batch failures, so only those are delivered again (and, after the queue's
//! `maxReceiveCount`, parked in its dead-letter queue: counted then as
//! `dead_letters_parked`, whose EMF line is written when the batch is answered).

use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::service_fn;
use mambogo::adapters::sqs_consumer::{consume_batch, ParkedCount, QueuedMessage};
use mambogo::application::consumers::Journaled;
use mambogo::application::Services;
use mambogo::domain::events::EventConsumer;

use crate::emf::flush_metrics;
use crate::logging::init_json_logs;
use crate::services::{function_services, FunctionServices};

/// Builds a consumer from the function's (restricted) services, or says why it cannot.
pub type BuildConsumer = fn(&Services) -> Result<Arc<dyn EventConsumer>, lambda_runtime::Error>;

/// Runs the consumer function `function` (its name in `functions/manifest.json`) until
/// Lambda stops it, keeping its outcome with each event about an order in the order's
/// journal ([`Journaled`]).
pub async fn run_consumer(
    function: &'static str,
    build: BuildConsumer,
) -> Result<(), lambda_runtime::Error> {
    serve(function, build, true).await
}

/// [`run_consumer`] for `journal-order-events`, which writes the journal itself: its own
/// outcomes are not journaled.
pub async fn run_journal_consumer(
    function: &'static str,
    build: BuildConsumer,
) -> Result<(), lambda_runtime::Error> {
    serve(function, build, false).await
}

async fn serve(
    function: &'static str,
    build: BuildConsumer,
    journaled: bool,
) -> Result<(), lambda_runtime::Error> {
    init_json_logs()?;
    let (consumer, parked) = function_services(function)
        .await
        .map_err(lambda_runtime::Error::from)
        .and_then(|built| {
            let consumer = build(&built.services)?;
            let consumer = if journaled {
                Journaled::wrapping(function, consumer, &built.services)
            } else {
                consumer
            };
            Ok((consumer, parked_count(&built)))
        })
        .inspect_err(|error| {
            tracing::error!(function, %error, "cannot start");
        })?;
    crate::logging::log_ready(function);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let consumer = Arc::clone(&consumer);
        let parked = parked.clone();
        async move {
            let answer = handle_batch(consumer.as_ref(), event.payload, parked.as_ref());
            Ok::<_, lambda_runtime::Error>(answer.await)
        }
    }))
    .await
}

/// What counts the dead letters of the function's queue, when it is told the queue's
/// `maxReceiveCount`.
pub fn parked_count(built: &FunctionServices) -> Option<ParkedCount> {
    built
        .config
        .max_receive_count
        .map(|max_receive_count| ParkedCount {
            max_receive_count,
            metrics: Arc::clone(&built.services.metrics),
        })
}

fn failure(message_id: String) -> BatchItemFailure {
    let mut failure = BatchItemFailure::default();
    failure.item_identifier = message_id;
    failure
}

/// Hands every message of `batch` to `consumer` ([`consume_batch`]) and names the
/// messages that failed; with `parked`, counts those SQS parks and writes the count out.
pub async fn handle_batch(
    consumer: &dyn EventConsumer,
    batch: SqsEvent,
    parked: Option<&ParkedCount>,
) -> SqsBatchResponse {
    let messages: Vec<QueuedMessage> = batch
        .records
        .iter()
        .map(|message| QueuedMessage {
            id: message.message_id.as_deref().unwrap_or_default(),
            body: message.body.as_deref(),
            receive_count: message
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|count| count.parse().ok()),
        })
        .collect();
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = consume_batch(consumer, &messages, parked)
        .await
        .into_iter()
        .map(failure)
        .collect();
    if let Some(parked) = parked {
        flush_metrics(parked.metrics.as_ref());
    }
    response
}
