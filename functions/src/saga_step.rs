//! The checkout saga's steps as Lambdas: Step Functions invokes one per Task state with
//! the state's payload, and the Lambda's `errorType` is the step's typed error name, which
//! the ASL file's Retry and Catch match.

use std::sync::Arc;

use lambda_http::lambda_runtime::{self, Diagnostic, LambdaEvent};
use lambda_http::service_fn;
use mambogo::adapters::http_gateway::HttpGateway;
use mambogo::checkout::{SagaTasks, TaskError};
use mambogo::config::ConfigError;
use serde_json::Value;

use crate::config::LambdaConfig;
use crate::logging::init_json_logs;
use crate::services::aws_services;

/// The payment gateway's base URL (the mock gateway's, in a demo deployment).
pub const PAYMENT_GATEWAY_URL: &str = "PAYMENT_GATEWAY_URL";
/// The API key the payment gateway expects.
pub const PAYMENT_GATEWAY_API_KEY: &str = "PAYMENT_GATEWAY_API_KEY";

/// Why a saga step's function could not start.
#[derive(Debug, thiserror::Error)]
pub enum SagaStepStartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{PAYMENT_GATEWAY_URL}: {0}")]
    GatewayUrl(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// A failed step as Step Functions sees it.
fn diagnostic(error: TaskError) -> Diagnostic {
    Diagnostic {
        error_type: error.error_name().to_owned(),
        error_message: error.cause(),
    }
}

async fn saga_tasks() -> Result<SagaTasks, SagaStepStartError> {
    let config = LambdaConfig::from_env()?;
    let gateway_url = mambogo::config::required(PAYMENT_GATEWAY_URL)?;
    let api_key = mambogo::config::required(PAYMENT_GATEWAY_API_KEY)?;
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()?;
    let gateway = HttpGateway::new(client, &gateway_url, api_key)
        .map_err(|error| SagaStepStartError::GatewayUrl(error.to_string()))?;
    Ok(SagaTasks {
        services: Arc::new(aws_services(&config).await),
        gateway: Arc::new(gateway),
    })
}

/// Runs the saga step `function` (a name from [`mambogo::checkout::TASK_FUNCTIONS`]) until
/// Lambda stops it.
pub async fn run_saga_step(function: &'static str) -> Result<(), lambda_http::Error> {
    init_json_logs();
    let tasks = saga_tasks().await.inspect_err(|error| {
        tracing::error!(function, %error, "cannot start");
    })?;
    tracing::info!(function, "ready");
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let tasks = tasks.clone();
        async move { tasks.run(function, event.payload).await.map_err(diagnostic) }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_errors_keep_their_names_for_retry_and_catch() {
        let out_of_stock = diagnostic(TaskError::OutOfStock(vec![
            mambogo::ids::Sku::parse("A-1").unwrap()
        ]));
        assert_eq!(out_of_stock.error_type, "OutOfStock");
        assert!(out_of_stock
            .error_message
            .contains("\"outOfStock\":[\"A-1\"]"));
        assert_eq!(
            diagnostic(TaskError::Transient("busy".into())).error_type,
            "Transient"
        );
    }
}
