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
    /// `traceparent` header when it sends a valid one, else that of the trace it is
    /// handled in (X-Ray's on AWS, the exported one locally), else a new one.
    pub correlation_id: CorrelationId,
}

impl RequestIds {
    /// The ids of the request the front end calls `request_id`, sent with `headers` and
    /// handled in the trace `handled_in`, if one is recorded.
    pub fn of(request_id: String, headers: &HeaderMap, handled_in: Option<CorrelationId>) -> Self {
        let correlation_id = headers
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .and_then(CorrelationId::from_traceparent)
            .or(handled_in)
            .unwrap_or_else(|| CorrelationId::from_uuid(Uuid::new_v4()));
        RequestIds {
            request_id,
            correlation_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENT: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const HANDLED_IN: &str = "5759e988bd862e3fe1be46a994272793";

    fn headers(traceparent: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("traceparent", traceparent.parse().unwrap());
        headers
    }

    fn correlation_of(headers: &HeaderMap, handled_in: Option<&str>) -> CorrelationId {
        let handled_in = handled_in.map(|id| CorrelationId::parse(id).unwrap());
        RequestIds::of("r".to_owned(), headers, handled_in).correlation_id
    }

    #[test]
    fn the_senders_trace_comes_first_then_the_one_handling_it() {
        let sent = headers(&format!("00-{SENT}-00f067aa0ba902b7-01"));
        assert_eq!(correlation_of(&sent, Some(HANDLED_IN)).as_str(), SENT);
        assert_eq!(
            correlation_of(&headers("garbage"), Some(HANDLED_IN)).as_str(),
            HANDLED_IN
        );
        assert_eq!(
            correlation_of(&HeaderMap::new(), Some(HANDLED_IN)).as_str(),
            HANDLED_IN
        );
    }

    #[test]
    fn without_either_each_request_gets_an_id_of_its_own() {
        let first = correlation_of(&HeaderMap::new(), None);
        assert_ne!(first, correlation_of(&HeaderMap::new(), None));
        assert_ne!(first.as_str(), HANDLED_IN);
    }
}
