//! The Lambda entrypoints: one binary per OpenAPI operation (`src/bin/<operation>.rs`),
//! each a few lines that name its operation and its handler and call [`run`].
//!
//! Everything here only translates: configuration from the environment
//! ([`config`]), adapters on DynamoDB ([`services`]), API Gateway events to the shared
//! handlers' requests and back ([`request`], [`response`], [`handler`]). The rules of the
//! shop live in the `mambogo` crate, which the local server calls too.

pub mod config;
mod config_error;
pub mod consumer;
pub mod emf;
pub mod handler;
pub mod indexer;
pub mod logging;
#[cfg(feature = "mock-gateway")]
pub mod mock_gateway;
pub mod request;
pub mod response;
pub mod saga_step;
pub mod search_index;
pub mod secrets;
pub mod services;
pub mod verifier;

use std::convert::Infallible;
use std::sync::Arc;

use lambda_http::service_fn;
use mambogo::api::Endpoint;
use mambogo::application::index_handle::IndexHandle;

pub use config::LambdaConfig;
pub use handler::{handle, FunctionContext, StartError};
pub use logging::init_json_logs;
pub use services::{function_services, FunctionServices};

/// Wraps a handler path as an [`Endpoint`]:
/// `endpoint!(mambogo::api::catalog_routes::list_products)`.
#[macro_export]
macro_rules! endpoint {
    ($handler:path) => {
        |services, request| {
            ::std::boxed::Box::pin(async move { $handler(&services, request).await })
        }
    };
}

/// Runs the function for `operation_id` until Lambda stops it: sets up JSON logs, reads
/// the configuration and builds the services once, then answers every event with
/// `endpoint`. A configuration error is logged and returned.
pub async fn run(operation_id: &'static str, endpoint: Endpoint) -> Result<(), lambda_http::Error> {
    serve(operation_id, endpoint, None).await
}

/// [`run`] for a function that searches the catalog: it keeps a search index on tantivy
/// in its memory, restored from the indexer's newest snapshot when it starts and from
/// newer ones as they come (built from the tables until there is one). Only these
/// functions link tantivy.
pub async fn run_searching(
    operation_id: &'static str,
    endpoint: Endpoint,
) -> Result<(), lambda_http::Error> {
    serve(operation_id, endpoint, Some(search_index::index_handle)).await
}

/// Makes a function's search index from its services.
type MakeIndex = fn(&FunctionServices) -> IndexHandle;

async fn serve(
    operation_id: &'static str,
    endpoint: Endpoint,
    index: Option<MakeIndex>,
) -> Result<(), lambda_http::Error> {
    logging::init_json_logs()?;
    let context = match start(operation_id, endpoint, index).await {
        Ok(context) => Arc::new(context),
        Err(error) => {
            tracing::error!(operation = operation_id, %error, "cannot start");
            return Err(error.into());
        }
    };
    lambda_http::run(service_fn(move |request| {
        let context = Arc::clone(&context);
        async move { Ok::<_, Infallible>(handle(&context, request).await) }
    }))
    .await
}

async fn start(
    operation_id: &str,
    endpoint: Endpoint,
    index: Option<MakeIndex>,
) -> Result<FunctionContext, StartError> {
    let function = mambogo::adapters::access::Manifest::embedded()?
        .by_operation(operation_id)
        .ok_or_else(|| StartError::UnknownOperation(operation_id.to_owned()))?;
    let mut built = services::function_services(&function.name).await?;
    let name = function.name.clone();
    built.services.search_index = index.map(|make| make(&built));
    if built.services.search_index.is_some() {
        // Loaded during the cold start, which Lambda runs on a full CPU, rather than by
        // the first search; if it cannot be yet, the first search tries again.
        if let Err(error) = mambogo::application::indexing::fresh_index(&built.services).await {
            tracing::warn!(%error, "the search index is not loaded yet");
        }
    }
    let context = FunctionContext::new(
        operation_id,
        endpoint,
        Arc::new(built.services),
        verifier::Verifier::new(built.config.token_keys),
    )?;
    logging::log_ready(&name);
    Ok(context)
}
