//! Translating a handler's [`ApiResponse`] into the response `lambda_http` sends back to
//! API Gateway.

use lambda_http::{Body, Response};
use mambogo::api::ApiResponse;

/// The Lambda response for `response`. Text bodies (all JSON) go back as text; anything
/// else as binary, which API Gateway receives base64-encoded.
pub fn to_lambda_response(response: ApiResponse) -> Response<Body> {
    let body = if response.body.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(response.body.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(not_text) => Body::Binary(not_text.into_bytes()),
        }
    };
    let mut lambda_response = Response::new(body);
    *lambda_response.status_mut() = response.status;
    *lambda_response.headers_mut() = response.headers;
    lambda_response
}
