//! One invocation: the event becomes an [`ApiRequest`](mambogo::api::ApiRequest), the
//! route's handler answers it, and the answer becomes the Lambda response.

use std::sync::Arc;
use std::time::Instant;

use crate::config_error::ConfigError;
use crate::emf::flush_metrics;
use lambda_http::http::header::AUTHORIZATION;
use lambda_http::{Body, Request, Response};
use mambogo::adapters::access::ManifestError;
use mambogo::api::auth::TokenVerifier;
use mambogo::api::route_table::RouteTableError;
use mambogo::api::{
    log_request, respond, routes, ApiError, AuthRequirement, Endpoint, RequestIds, OPENAPI_YAML,
};
use mambogo::application::Services;
use tracing::Instrument;

use crate::request::{authorizer_claims, request_id, to_api_request, xray_trace};
use crate::response::to_lambda_response;
use crate::verifier::Verifier;

/// Why a function could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A configuration variable is missing or cannot be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The embedded OpenAPI file cannot be read as a route table.
    #[error(transparent)]
    RouteTable(#[from] RouteTableError),
    /// The binary names an operation the OpenAPI file does not have.
    #[error("operation {0} is not in api/openapi.yaml")]
    UnknownOperation(String),
    /// The embedded `functions/manifest.json` cannot be read.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
}

/// What every invocation of one function shares, built once at cold start.
pub struct FunctionContext {
    operation_id: String,
    auth: AuthRequirement,
    endpoint: Endpoint,
    services: Arc<Services>,
    verifier: Verifier,
}

impl FunctionContext {
    /// The context for `operation_id`, whose handler is `endpoint`; its auth requirement
    /// is read from the OpenAPI file.
    pub fn new(
        operation_id: &str,
        endpoint: Endpoint,
        services: Arc<Services>,
        verifier: Verifier,
    ) -> Result<Self, StartError> {
        let route = routes(OPENAPI_YAML)?
            .into_iter()
            .find(|route| route.operation_id == operation_id)
            .ok_or_else(|| StartError::UnknownOperation(operation_id.to_owned()))?;
        Ok(FunctionContext {
            operation_id: route.operation_id,
            auth: route.auth,
            endpoint,
            services,
            verifier,
        })
    }
}

/// The verifier for a token this function must check itself: one sent to a route that
/// needs a caller, where no authorizer has checked it. Only then are the keys fetched.
async fn verifier_for<'a>(
    context: &'a FunctionContext,
    request: &Request,
) -> Result<Option<&'a TokenVerifier>, ApiError> {
    let checks_token = context.auth != AuthRequirement::Public
        && request.headers().contains_key(AUTHORIZATION)
        && authorizer_claims(request).is_none();
    if checks_token {
        context.verifier.get().await
    } else {
        Ok(None)
    }
}

/// Answers one API Gateway event. Never fails: every refusal or fault is a problem+json
/// response.
pub async fn handle(context: &FunctionContext, request: Request) -> Response<Body> {
    let ids = RequestIds::of(
        request_id(&request),
        request.headers(),
        xray_trace(&request),
    );
    let span = tracing::info_span!(
        "request",
        operation = %context.operation_id,
        request_id = %ids.request_id,
        correlation_id = %ids.correlation_id
    );
    answer(context, request, ids).instrument(span).await
}

async fn answer(context: &FunctionContext, request: Request, ids: RequestIds) -> Response<Body> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = match verifier_for(context, &request)
        .await
        .and_then(|verifier| to_api_request(request, context.auth, verifier, ids.clone()))
    {
        Ok(api_request) => {
            respond(context.endpoint, Arc::clone(&context.services), api_request).await
        }
        Err(error) => error.into_response(),
    };
    log_request(&method, &path, &response, started);
    flush_metrics(context.services.metrics.as_ref());
    to_lambda_response(response.with_ids(&ids))
}
