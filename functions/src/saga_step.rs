//! The checkout saga's steps as Lambdas: Step Functions invokes one per Task state with
//! the state's payload, and the Lambda's `errorType` is the step's typed error name, which
//! the ASL file's Retry and Catch match. What a step counted (a reservation's lost races)
//! is written out as it ends.

use std::sync::Arc;

use crate::config_error::ConfigError;
use lambda_http::lambda_runtime::{self, Diagnostic, LambdaEvent};
use lambda_http::service_fn;
use mambogo::application::checkout::{SagaTasks, TaskError};
use mambogo::application::Services;
use serde_json::Value;

use crate::emf::flush_metrics;
use crate::logging::init_json_logs;
use crate::services::function_services;

/// A failed step as Step Functions sees it.
fn diagnostic(error: TaskError) -> Diagnostic {
    Diagnostic {
        error_type: error.error_name().to_owned(),
        error_message: error.cause(),
    }
}

/// The step's services; the payment gateway among them answers only a step granted the
/// gateway's API key.
async fn step_services(function: &str) -> Result<Arc<Services>, ConfigError> {
    Ok(Arc::new(function_services(function).await?.services))
}

/// Runs the saga step `function` (a name from [`mambogo::application::checkout::TASK_FUNCTIONS`]) until
/// Lambda stops it.
pub async fn run_saga_step(function: &'static str) -> Result<(), lambda_http::Error> {
    init_json_logs()?;
    let services = step_services(function).await.inspect_err(|error| {
        tracing::error!(function, %error, "cannot start");
    })?;
    let tasks = SagaTasks::new(Arc::clone(&services));
    crate::logging::log_ready(function);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let (tasks, services) = (tasks.clone(), Arc::clone(&services));
        async move {
            let done = tasks.run(function, event.payload).await;
            flush_metrics(services.metrics.as_ref());
            done.map_err(diagnostic)
        }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_errors_keep_their_names_for_retry_and_catch() {
        let out_of_stock = diagnostic(TaskError::OutOfStock(vec![
            mambogo::domain::ids::Sku::parse("A-1").unwrap(),
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
