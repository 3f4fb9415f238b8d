//! The ids a request's log lines are found by: the front end's request id, and the
//! correlation id of everything the request causes.

use http::HeaderMap;
use uuid::Uuid;

use crate::domain::correlation::CorrelationId;

/// The ids a request's log lines are found by.
#[derive(Clone, Debug)]
pub struct RequestIds {
    /// The front end's id of this one request.
    pub request_id: String,
    /// What ties together everything the request causes: the trace-id of its W3C
    /// `traceparent` header when it sends a valid one, else a new one.
    pub correlation_id: CorrelationId,
}

impl RequestIds {
    /// The ids of the request the front end calls `request_id`, sent with `headers`.
    pub fn of(request_id: String, headers: &HeaderMap) -> Self {
        let correlation_id = headers
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .and_then(CorrelationId::from_traceparent)
            .unwrap_or_else(|| CorrelationId::from_uuid(Uuid::new_v4()));
        RequestIds {
            request_id,
            correlation_id,
        }
    }
}
