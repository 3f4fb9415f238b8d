//! Translating an API Gateway HTTP API event (payload 2.0, as `lambda_http` hands it
//! over) into the [`ApiRequest`] the handlers take.

use std::collections::HashMap;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use mambogo::api::auth::{Caller, TokenVerifier};
use mambogo::api::{authenticate, ApiError, ApiRequest, AuthRequirement, RequestIds};
use mambogo::domain::correlation::CorrelationId;

/// The request as the handlers see it. `auth` is the route's requirement from the OpenAPI
/// file; `verifier` checks tokens that no authorizer has checked.
///
/// Oversize bodies are passed on: the handler's own check answers 413.
pub fn to_api_request(
    request: Request,
    auth: AuthRequirement,
    verifier: Option<&TokenVerifier>,
    ids: RequestIds,
) -> Result<ApiRequest, ApiError> {
    let caller = caller(&request, auth, verifier)?;
    let client = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.as_deref(),
        _ => None,
    }
    .and_then(|address| address.parse().ok());
    let path_params = request
        .path_parameters_ref()
        .map(|params| {
            params
                .iter()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let (parts, body) = request.into_parts();
    let request = ApiRequest::from_http(parts, path_params, body_bytes(body).into(), caller, ids);
    Ok(request.with_client_address(client))
}

/// API Gateway's id for the request, or else the Lambda invocation's; empty if neither
/// is known.
pub fn request_id(request: &Request) -> String {
    let from_gateway = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.request_id.clone(),
        _ => None,
    };
    from_gateway
        .or_else(|| {
            request
                .lambda_context_ref()
                .map(|context| context.request_id.clone())
        })
        .unwrap_or_default()
}

/// The X-Ray trace the invocation runs in (Lambda's active tracing), as a correlation id.
pub fn xray_trace(request: &Request) -> Option<CorrelationId> {
    request
        .lambda_context_ref()?
        .xray_trace_id
        .as_deref()
        .and_then(CorrelationId::from_xray)
}

/// Who called. Where API Gateway's JWT authorizer is attached it has checked the token
/// and passes the claims on; elsewhere a sent token is checked here.
fn caller(
    request: &Request,
    auth: AuthRequirement,
    verifier: Option<&TokenVerifier>,
) -> Result<Caller, ApiError> {
    match authorizer_claims(request) {
        Some(claims) if auth != AuthRequirement::Public => {
            Ok(Caller::from_authorizer_claims(claims)?)
        }
        _ => authenticate(auth, request.headers(), verifier),
    }
}

pub(crate) fn authorizer_claims(request: &Request) -> Option<&HashMap<String, String>> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context
            .authorizer
            .as_ref()?
            .jwt
            .as_ref()
            .map(|jwt| &jwt.claims)
            .filter(|claims| !claims.is_empty()),
        _ => None,
    }
}

fn body_bytes(body: Body) -> Vec<u8> {
    match body {
        Body::Text(text) => text.into_bytes(),
        Body::Binary(bytes) => bytes,
        other => other.to_vec(),
    }
}
