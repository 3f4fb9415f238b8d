//! The mock payment gateway deployed on its own, for a cloud demo: two functions that are
//! not routes of the shop's API.
//!
//! - `mock-payment-gateway` serves the gateway's HTTP API
//!   ([`mambogo::adapters::mock_gateway::service`]) behind a Function URL or an HTTP API, with its
//!   ledger in DynamoDB ([`DynamoMockLedger`]); the shop calls it through
//!   [`HttpGateway`](mambogo::adapters::http_gateway::HttpGateway).
//! - `mock-payment-webhooks` is triggered by the ledger table's stream and sends the
//!   webhooks, signed, to the shop's `/webhooks/payments`.
//!
//! # Why webhooks leave through the ledger's stream
//!
//! A gateway answers an authorize call at once and its webhook comes later. A Lambda
//! cannot do "later" by itself: once the handler has returned, its environment may be
//! frozen, so a task spawned to send the webhook may never run, or run minutes later in
//! the next invocation with a stale signature. Sending before answering, or after
//! building the answer but before returning (the same thing: an HTTP API answer is sent
//! only when the handler returns, it cannot be streamed), makes the shop's authorize
//! call wait for its own webhook endpoint and that endpoint's retries, the opposite of
//! what the saga is built for, and a webhook whose sending fails is lost.
//!
//! So the gateway function only records: the webhook that will answer an authorization
//! is written in the same transaction as the authorization (a transactional outbox; the
//! table is described in [`mambogo::adapters::dynamodb`]), and the call is answered. The
//! table's stream then invokes the webhook function, which signs each new webhook when
//! it sends it and reports the ones the shop did not accept as partial batch failures,
//! so Lambda retries them. Delivery is at least once; the shop deduplicates by event id.
//! The cost is a second function and a stream, and a webhook that arrives after the
//! stream's delay (usually well under a second).
//!
//! # Deploying it
//!
//! - The ledger table as [`mambogo::adapters::dynamodb`] describes it, its stream on with
//!   view type `NEW_IMAGE`.
//! - `mock-payment-gateway` and `mock-payment-webhooks`: their grants (the ledger table,
//!   their secrets) are in `functions/manifest.json`, which Terraform reads.
//! - `mock-payment-webhooks` also needs [`WEBHOOK_URL`](crate::config::WEBHOOK_URL); an event source
//!   mapping from the stream with `FunctionResponseTypes = ["ReportBatchItemFailures"]`
//!   (a filter on new `WEBHOOK#` items saves invocations; the function skips the rest).

mod config;
mod stream;

pub use config::{GatewayConfig, WebhookConfig};
pub use stream::{
    send_new_webhooks, BatchResponse, ItemFailure, StreamChange, StreamEvent, StreamRecord,
};

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config_error::ConfigError;
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::{service_fn, Body, Request, Response};
use mambogo::adapters::dynamodb::DynamoMockLedger;
use mambogo::adapters::mock_gateway::service::MockService;
use mambogo::adapters::mock_gateway::{Answering, HttpWebhooks, MockGateway, WebhookSender};
use mambogo::api::log_request;
use mambogo::domain::clock::{RandomIds, SystemClock};

use mambogo::adapters::access::Table;

use crate::logging::init_json_logs;
use crate::response::to_lambda_response;
use crate::services::function_services;

/// How long the shop has to accept a webhook before the attempt counts as failed.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a mock gateway function could not start.
#[derive(Debug, thiserror::Error)]
pub enum MockStartError {
    /// A configuration variable is missing or cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The HTTPS client could not be built (no TLS roots, say).
    #[error("cannot build the HTTPS client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Runs `mock-payment-gateway` until Lambda stops it: JSON logs, the configuration read
/// and the ledger's client built once, then every HTTP event answered by the service.
pub async fn run_gateway() -> Result<(), lambda_http::Error> {
    init_json_logs()?;
    let (config, sdk_config) = gateway_config().await.inspect_err(|error| {
        tracing::error!(function = "mock-payment-gateway", %error, "cannot start");
    })?;
    let ledger = DynamoMockLedger::new(
        aws_sdk_dynamodb::Client::new(&sdk_config),
        config.ledger_table,
    );
    let gateway = MockGateway::with_ledger(ledger, Answering::ByLedger, Arc::new(RandomIds));
    let service = Arc::new(MockService::new(Arc::new(gateway), &config.api_key));
    crate::logging::log_ready("mock-payment-gateway");
    lambda_http::run(service_fn(move |request| {
        let service = Arc::clone(&service);
        async move { Ok::<_, Infallible>(answer(&service, request).await) }
    }))
    .await
}

async fn gateway_config() -> Result<(GatewayConfig, aws_config::SdkConfig), ConfigError> {
    let built = function_services("mock-payment-gateway").await?;
    let config = GatewayConfig::new(built.config.table(Table::MockLedger), &built.secrets)?;
    Ok((config, built.sdk_config))
}

async fn webhook_config() -> Result<WebhookConfig, ConfigError> {
    let built = function_services("mock-payment-webhooks").await?;
    WebhookConfig::new(built.config.webhook_url.as_ref(), &built.secrets)
}

/// Answers one HTTP event with `service`.
pub async fn answer(service: &MockService, request: Request) -> Response<Body> {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let body = match body {
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        other => other.to_vec(),
    };
    let path = parts.uri.path();
    let response = service
        .answer(&parts.method, path, parts.headers, body.into())
        .await;
    log_request(&parts.method, path, &response, started);
    to_lambda_response(response)
}

/// The webhook function's sender: signing with the configured secret, POSTing over
/// HTTPS (rustls on aws-lc-rs, the AWS SDK's own TLS stack).
pub fn webhook_sender(config: WebhookConfig) -> Result<WebhookSender, MockStartError> {
    let client = reqwest::Client::builder()
        .timeout(WEBHOOK_TIMEOUT)
        .build()?;
    Ok(WebhookSender::new(
        Arc::new(HttpWebhooks::new(client, config.webhook_url)),
        config.webhook_secret,
        Arc::new(SystemClock),
    ))
}

/// Runs `mock-payment-webhooks` until Lambda stops it: every batch of the ledger's
/// stream has its new webhooks sent, and the ones not accepted named for a retry.
pub async fn run_webhooks() -> Result<(), lambda_http::Error> {
    init_json_logs()?;
    let sender = webhook_config()
        .await
        .map_err(MockStartError::from)
        .and_then(webhook_sender)
        .inspect_err(|error| {
            tracing::error!(function = "mock-payment-webhooks", %error, "cannot start");
        })?;
    let sender = Arc::new(sender);
    crate::logging::log_ready("mock-payment-webhooks");
    lambda_runtime::run(service_fn(move |event: LambdaEvent<StreamEvent>| {
        let sender = Arc::clone(&sender);
        async move { Ok::<_, Infallible>(send_new_webhooks(&sender, event.payload).await) }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use lambda_http::http::StatusCode;
    use mambogo::adapters::mock_gateway::WebhookDelivery;
    use mambogo::domain::clock::SequentialIds;
    use serde_json::{json, Value};

    use super::*;

    struct Nowhere;

    #[async_trait]
    impl WebhookDelivery for Nowhere {
        async fn deliver(&self, _body: Vec<u8>, _signature: String) -> Result<(), String> {
            Ok(())
        }
    }

    fn service() -> MockService {
        let gateway = MockGateway::new(
            Arc::new(Nowhere),
            b"whsec_1".to_vec(),
            Arc::new(SystemClock),
            Arc::new(SequentialIds::default()),
        );
        MockService::new(Arc::new(gateway), "mock-key")
    }

    /// A Function URL / HTTP API event (payload 2.0) POSTing `body` to `path`.
    fn event(path: &str, key: &str, body: &Value) -> Request {
        let event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": "",
            "headers": {
                "content-type": "application/json",
                "x-mock-gateway-key": key,
            },
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "mock",
                "domainName": "mock.lambda-url.us-east-1.on.aws",
                "domainPrefix": "mock",
                "http": {
                    "method": "POST",
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "192.0.2.1",
                    "userAgent": "test",
                },
                "requestId": "request-1",
                "routeKey": "$default",
                "stage": "$default",
                "time": "01/Jan/2030:00:00:00 +0000",
                "timeEpoch": 1_893_456_000_000_i64,
            },
            "body": body.to_string(),
            "isBase64Encoded": false,
        });
        lambda_http::request::from_str(&event.to_string()).unwrap()
    }

    fn status_and_body(response: Response<Body>) -> (StatusCode, Value) {
        let status = response.status();
        let body = match response.into_body() {
            Body::Text(text) => serde_json::from_str(&text).unwrap(),
            other => panic!("expected a text body, got {other:?}"),
        };
        (status, body)
    }

    #[tokio::test]
    async fn http_events_reach_the_service() {
        let service = service();
        let authorize = json!({
            "orderId": "0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55",
            "amount": {"amount": 1000, "currency": "USD"},
            "paymentToken": "tok_approve",
            "idempotencyKey": "order:authorize",
        });
        let (status, body) = status_and_body(
            answer(
                &service,
                event("/payments/authorize", "mock-key", &authorize),
            )
            .await,
        );
        assert_eq!(status, StatusCode::OK);
        let reference = body["reference"].as_str().unwrap().to_owned();
        let capture = json!({
            "amount": {"amount": 1000, "currency": "USD"},
            "idempotencyKey": "order:capture",
        });
        let path = format!("/payments/{reference}/capture");
        let (status, _) = status_and_body(answer(&service, event(&path, "wrong", &capture)).await);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, body) =
            status_and_body(answer(&service, event(&path, "mock-key", &capture)).await);
        assert_eq!(
            (status, body),
            (StatusCode::OK, json!({ "reference": reference }))
        );
    }
}
