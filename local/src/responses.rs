//! The HTTP answers every route of the local server shares: an API response as HTTP, and
//! the problem+json answers to a path or a method nobody serves.

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use mambogo::api::{ApiError, ApiResponse};

/// An API response as an HTTP one.
pub(crate) fn to_http(response: ApiResponse) -> Response {
    let mut http_response = Response::new(Body::from(response.body));
    *http_response.status_mut() = response.status;
    *http_response.headers_mut() = response.headers;
    http_response
}

/// The problem+json answer to a path no route serves.
pub(crate) async fn not_found(request: Request) -> Response {
    to_http(
        ApiError::NotFound(format!(
            "no route {} {}",
            request.method(),
            request.uri().path()
        ))
        .into_response(),
    )
}

/// The problem+json answer to a method a path does not take.
pub(crate) async fn method_not_allowed(request: Request) -> Response {
    let detail = format!(
        "{} is not allowed on {}",
        request.method(),
        request.uri().path()
    );
    to_http(ApiError::MethodNotAllowed(detail).into_response())
}
