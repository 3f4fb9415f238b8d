//! Event consumers as Lambdas: EventBridge rules put events on a queue per consumer
//! (`events/rules/`), and SQS hands the function batches. Each message is one
//! EventBridge event; the ones the consumer could not handle are reported as partial
//! batch failures, so only those are delivered again (and, after the queue's
//! `maxReceiveCount`, parked in its dead-letter queue).

use std::sync::Arc;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::service_fn;
use mambogo::application::Services;
use mambogo::domain::events::{DomainEvent, EventConsumer};

use crate::logging::init_json_logs;
use crate::services::function_services;

/// Builds a consumer from the function's (restricted) services.
pub type BuildConsumer = fn(&Services) -> Arc<dyn EventConsumer>;

/// Runs the consumer function `function` (its name in `functions/manifest.json`) until
/// Lambda stops it.
pub async fn run_consumer(
    function: &'static str,
    build: BuildConsumer,
) -> Result<(), lambda_runtime::Error> {
    init_json_logs()?;
    let built = function_services(function).await.inspect_err(|error| {
        tracing::error!(function, %error, "cannot start");
    })?;
    let consumer = build(&built.services);
    tracing::info!(function, "ready");
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let consumer = Arc::clone(&consumer);
        async move {
            Ok::<_, lambda_runtime::Error>(handle_batch(consumer.as_ref(), event.payload).await)
        }
    }))
    .await
}

fn failure(message_id: String) -> BatchItemFailure {
    let mut failure = BatchItemFailure::default();
    failure.item_identifier = message_id;
    failure
}

/// Hands every message of `batch` to `consumer`, one at a time, then tells it the batch
/// is over, and names the messages that failed: every one if finishing the batch failed.
/// A message that is not an EventBridge event fails too: it can only be parked.
pub async fn handle_batch(consumer: &dyn EventConsumer, batch: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    let mut handled = Vec::new();
    for message in batch.records {
        let message_id = message.message_id.clone().unwrap_or_default();
        match handle_message(consumer, &message).await {
            Ok(()) => handled.push(message_id),
            Err(problem) => {
                tracing::warn!(message_id = %message_id, %problem, "message not handled");
                response.batch_item_failures.push(failure(message_id));
            }
        }
    }
    if !handled.is_empty() {
        if let Err(problem) = consumer.finish_batch().await {
            tracing::warn!(%problem, messages = handled.len(), "the batch could not be finished; its messages are delivered again");
            response
                .batch_item_failures
                .extend(handled.into_iter().map(failure));
        }
    }
    response
}

async fn handle_message(consumer: &dyn EventConsumer, message: &SqsMessage) -> Result<(), String> {
    let body = message.body.as_deref().ok_or("the message has no body")?;
    let envelope: serde_json::Value =
        serde_json::from_str(body).map_err(|error| format!("not JSON: {error}"))?;
    let event = DomainEvent::from_envelope(&envelope).map_err(|error| error.to_string())?;
    consumer
        .consume(&event)
        .await
        .map_err(|error| error.to_string())
}
