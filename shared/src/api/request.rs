//! A request as the handlers see it, independent of Lambda or the local server.

use std::collections::HashMap;
use std::net::IpAddr;

use bytes::Bytes;
use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::body_value::BodyValue;
use super::request_ids::RequestIds;
use super::ApiError;
use crate::api::auth::{Caller, User};
use crate::domain::correlation::CorrelationId;
use crate::domain::ids::IdError;
use crate::domain::validation::FieldError;

/// The largest request body any route accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// One API request, already authenticated.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    pub method: Method,
    /// Values of the `{name}` segments of the route's path.
    pub path_params: HashMap<String, String>,
    /// Query parameters in order, decoded.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub caller: Caller,
    /// Correlates logs with the request.
    pub request_id: String,
    /// What ties together everything the request causes ([`RequestIds::correlation_id`]).
    pub correlation_id: CorrelationId,
    /// The address the request came from, when the front end knows it.
    pub client_address: Option<IpAddr>,
}

/// Decodes a raw query string (`a=1&b=x%20y`) into ordered pairs.
fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|raw| {
        form_urlencoded::parse(raw.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

impl ApiRequest {
    /// The signed-in caller; 401 saying what signing in is for (`to` such as "check out").
    pub fn signed_in(&self, to: &str) -> Result<&User, ApiError> {
        self.caller
            .user()
            .ok_or_else(|| ApiError::Unauthorized(format!("sign in to {to}")))
    }

    /// A request with no parameters, headers or body; the callers fill in the rest.
    pub fn new(method: Method, caller: Caller) -> Self {
        ApiRequest {
            method,
            path_params: HashMap::new(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            caller,
            request_id: String::new(),
            correlation_id: CorrelationId::from_uuid(Uuid::new_v4()),
            client_address: None,
        }
    }

    /// A request as an HTTP front end (the local server, a Lambda's API Gateway event)
    /// hands it over: its method, query and headers from `head`, the values of the
    /// route's `{name}` segments, the body, who is calling, and the ids its logs are found
    /// by.
    pub fn from_http(
        head: http::request::Parts,
        path_params: HashMap<String, String>,
        body: Bytes,
        caller: Caller,
        ids: RequestIds,
    ) -> Self {
        ApiRequest {
            query: parse_query(head.uri.query()),
            method: head.method,
            path_params,
            headers: head.headers,
            body,
            caller,
            request_id: ids.request_id,
            correlation_id: ids.correlation_id,
            client_address: None,
        }
    }

    /// This request, from `address`.
    pub fn with_client_address(self, address: Option<IpAddr>) -> Self {
        ApiRequest {
            client_address: address,
            ..self
        }
    }

    /// The path parameter `name`, parsed as an id.
    pub fn path_id<T>(
        &self,
        name: &str,
        parse: fn(&str) -> Result<T, IdError>,
    ) -> Result<T, ApiError> {
        let raw = self
            .path_params
            .get(name)
            .ok_or_else(|| ApiError::malformed(name, "is missing from the path"))?;
        parse(raw).map_err(|error| ApiError::malformed(name, error.to_string()))
    }

    /// A header's value, if present. A value that is not visible ASCII text is a 400
    /// naming the header, not taken as absent.
    pub fn header(&self, name: &str) -> Result<Option<&str>, ApiError> {
        self.headers
            .get(name)
            .map(|value| {
                value.to_str().map_err(|_| {
                    ApiError::malformed(&header_title(name), "must be visible ASCII text")
                })
            })
            .transpose()
    }

    /// The body parsed as JSON into `T`, naming the field that did not fit. Numbers and
    /// members are read as [`BodyValue`] reads them.
    pub fn json_body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        if let Some(content_type) = self.header("content-type")? {
            let essence = content_type.split(';').next().unwrap_or("").trim();
            if !essence.eq_ignore_ascii_case("application/json") {
                return Err(ApiError::UnsupportedMediaType);
            }
        }
        if self.body.is_empty() {
            return Err(ApiError::malformed("body", "a JSON body is required"));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        let BodyValue(value) = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|error| ApiError::Malformed(vec![body_field_error(&error)]))?;
        deserializer
            .end()
            .map_err(|_| ApiError::malformed("body", "unexpected data after the JSON value"))?;
        from_body_value(value)
    }
}

/// A header's name as problems name it: `x-cart-id` as `X-Cart-Id`.
fn header_title(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut letters = word.chars();
            letters.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + letters.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A JSON value already read from a body, as `T`, naming the field that did not fit as
/// [`ApiRequest::json_body`] does.
pub fn from_body_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value)
        .map_err(|error| ApiError::Malformed(vec![body_field_error(&error)]))
}

fn body_field_error(error: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let inner = error.inner();
    let message = inner.to_string();
    // serde_json appends " at line L column C"; the field path says more.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(text, _)| text)
        .to_owned();
    if inner.is_syntax() || inner.is_eof() {
        return FieldError::new("body", format!("not valid JSON: {message}"));
    }
    let path = error.path().to_string();
    // A missing field is reported at its parent; name the field itself.
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'));
    let field = match (missing, path.as_str()) {
        (Some(name), ".") => name.to_owned(),
        (Some(name), parent) => format!("{parent}.{name}"),
        (None, ".") => "body".to_owned(),
        (None, path) => path.to_owned(),
    };
    FieldError::new(field, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Line {
        sku: String,
        quantity: u32,
    }

    fn request(body: &str) -> ApiRequest {
        let mut request = ApiRequest::new(Method::POST, Caller::Anonymous);
        request.body = Bytes::from(body.to_owned());
        request
    }

    fn field_of(body: &str) -> String {
        match request(body).json_body::<Line>() {
            Err(ApiError::Malformed(fields)) => fields[0].field.clone(),
            other => panic!("expected a malformed body, got {other:?}"),
        }
    }

    #[test]
    fn a_good_body_parses() {
        let line: Line = request(r#"{"sku": "A", "quantity": 2}"#)
            .json_body()
            .unwrap();
        assert_eq!((line.sku.as_str(), line.quantity), ("A", 2));
    }

    #[test]
    fn the_failing_field_is_named() {
        assert_eq!(field_of(r#"{"sku": "A"}"#), "quantity");
        assert_eq!(field_of(r#"{"sku": "A", "quantity": -1}"#), "quantity");
        assert_eq!(field_of(r#"{"sku": 5, "quantity": 1}"#), "sku");
        assert_eq!(field_of(r#"{"sku": "A", "#), "body");
        assert_eq!(field_of(r#"{"sku": "A", "quantity": 1} trailing"#), "body");
    }

    #[test]
    fn oversize_and_non_json_bodies_are_refused() {
        let big = format!(
            r#"{{"sku": "{}", "quantity": 1}}"#,
            "A".repeat(MAX_BODY_BYTES)
        );
        assert!(matches!(
            request(&big).json_body::<Line>(),
            Err(ApiError::PayloadTooLarge { .. })
        ));
        let mut form = request("sku=A");
        form.headers.insert(
            "content-type",
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        assert!(matches!(
            form.json_body::<Line>(),
            Err(ApiError::UnsupportedMediaType)
        ));
    }
}
