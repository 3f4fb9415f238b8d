//! What a handler answers, independent of Lambda or the local server.

use crate::api::request_ids::RequestIds;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

/// A status, headers and a body.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl ApiResponse {
    /// `value` as a JSON body.
    pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Self {
        // Serializing our own response types cannot fail: they hold no maps with
        // non-string keys and no failing Serialize impls.
        let body = serde_json::to_vec(value).unwrap_or_default();
        let mut response = ApiResponse {
            status,
            headers: HeaderMap::new(),
            body: Bytes::from(body),
        };
        response.set_header("content-type", "application/json");
        response
    }

    /// `value` as a `200 OK` JSON body.
    pub fn ok<T: Serialize>(value: &T) -> Self {
        Self::json(StatusCode::OK, value)
    }

    /// Sets a header; values that are not valid header text are dropped.
    pub fn set_header(&mut self, name: &'static str, value: &str) {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(HeaderName::from_static(name), value);
        }
    }

    /// This response with a header set.
    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.set_header(name, value);
        self
    }

    /// This response telling its client the ids its logs are found by: `x-request-id`
    /// (the front end's) and `x-correlation-id` (the order's, for a checkout).
    pub fn with_ids(self, ids: &RequestIds) -> Self {
        self.with_header("x-request-id", &ids.request_id)
            .with_header("x-correlation-id", ids.correlation_id.as_str())
    }

    /// The body parsed as JSON; for tests.
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}
