//! The mock payment gateway as an HTTP service, for a cloud demo where the gateway runs
//! as its own Lambda. A plain handler: it takes a request's method, path, headers and
//! body and answers an [`ApiResponse`]; the Lambda and the tests' loopback server are
//! thin callers. [`HttpGateway`](crate::adapters::http_gateway::HttpGateway) is its
//! client; the wire format both share is
//! [`wire`](crate::adapters::http_gateway::wire).
//!
//! Every call must carry the shared API key in [`API_KEY_HEADER`]; 401 otherwise, and
//! nothing is looked at. Success is `200 {"reference": …}`. Failures are problem+json:
//! 400 for a body that cannot be read, 402 declined, 404 an unknown reference (or
//! endpoint), 405 a method other than POST, 409 a payment that cannot do that now, 503
//! a ledger that is unavailable.

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::adapters::http_gateway::wire::{
    AmountBody, AuthorizeBody, ReferenceBody, VoidBody, API_KEY_HEADER,
};
use crate::api::auth::Caller;
use crate::api::{ApiError, ApiRequest, ApiResponse};
use crate::domain::money::Money;
use crate::domain::payments::{AuthorizeRequest, GatewayError, PaymentGateway};

/// Why a call was not answered with 200.
#[derive(Debug, thiserror::Error)]
enum ServiceError {
    #[error("the {API_KEY_HEADER} header is missing or wrong")]
    WrongKey,
    #[error(transparent)]
    Request(#[from] ApiError),
    #[error(transparent)]
    Gateway(#[from] GatewayError),
}

impl ServiceError {
    fn into_response(self) -> ApiResponse {
        match self {
            ServiceError::WrongKey => {
                problem(StatusCode::UNAUTHORIZED, "unauthorized", self.to_string())
            }
            ServiceError::Request(error) => error.into_response(),
            ServiceError::Gateway(GatewayError::Declined(reason)) => {
                problem(StatusCode::PAYMENT_REQUIRED, "payment-declined", reason)
            }
            ServiceError::Gateway(error @ GatewayError::UnknownReference(_)) => {
                ApiError::NotFound(error.to_string()).into_response()
            }
            ServiceError::Gateway(GatewayError::InvalidState(detail)) => {
                ApiError::Conflict(detail).into_response()
            }
            ServiceError::Gateway(GatewayError::Unavailable(detail)) => {
                ApiError::Unavailable(detail).into_response()
            }
        }
    }
}

/// A problem+json answer shaped like [`ApiError::into_response`]'s, for the statuses the
/// shop's API never answers.
fn problem(status: StatusCode, slug: &str, detail: String) -> ApiResponse {
    let body = json!({
        "type": format!("urn:mambogo:problem:{slug}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    });
    ApiResponse::json(status, &body).with_header("content-type", "application/problem+json")
}

/// What a path asks for.
enum Endpoint<'a> {
    Authorize,
    Capture(&'a str),
    Void(&'a str),
    Refund(&'a str),
}

fn endpoint(path: &str) -> Option<Endpoint<'_>> {
    let rest = path.strip_prefix("/payments/")?;
    if rest == "authorize" {
        return Some(Endpoint::Authorize);
    }
    let (reference, action) = rest.split_once('/')?;
    if reference.is_empty() {
        return None;
    }
    match action {
        "capture" => Some(Endpoint::Capture(reference)),
        "void" => Some(Endpoint::Void(reference)),
        "refund" => Some(Endpoint::Refund(reference)),
        _ => None,
    }
}

fn require_key(idempotency_key: &str) -> Result<(), ApiError> {
    if idempotency_key.trim().is_empty() {
        return Err(ApiError::malformed("idempotencyKey", "must not be blank"));
    }
    Ok(())
}

fn require_positive(amount: Money) -> Result<(), ApiError> {
    if amount.amount <= 0 {
        return Err(ApiError::malformed("amount.amount", "must be positive"));
    }
    Ok(())
}

/// The mock gateway behind its HTTP API.
pub struct MockService {
    gateway: Arc<dyn PaymentGateway>,
    /// SHA-256 of the API key: comparing digests takes the same time whatever was sent.
    api_key_digest: [u8; 32],
}

impl MockService {
    /// `gateway` answering callers that send `api_key`, which must not be empty.
    pub fn new(gateway: Arc<dyn PaymentGateway>, api_key: &str) -> Self {
        MockService {
            gateway,
            api_key_digest: Sha256::digest(api_key.as_bytes()).into(),
        }
    }

    /// Whether `headers` carry the API key, compared in constant time.
    fn authenticated(&self, headers: &HeaderMap) -> bool {
        let Some(sent) = headers.get(API_KEY_HEADER) else {
            return false;
        };
        let sent: [u8; 32] = Sha256::digest(sent.as_bytes()).into();
        let differences = sent
            .iter()
            .zip(self.api_key_digest.iter())
            .fold(0u8, |differences, (sent, expected)| {
                differences | (sent ^ expected)
            });
        std::hint::black_box(differences) == 0
    }

    /// Answers one call. Never fails: every refusal is a problem+json response.
    pub async fn answer(
        &self,
        method: &Method,
        path: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> ApiResponse {
        match self.try_answer(method, path, headers, body).await {
            Ok(reference) => ApiResponse::ok(&ReferenceBody { reference }),
            Err(error) => error.into_response(),
        }
    }

    async fn try_answer(
        &self,
        method: &Method,
        path: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<String, ServiceError> {
        if !self.authenticated(&headers) {
            return Err(ServiceError::WrongKey);
        }
        let endpoint =
            endpoint(path).ok_or_else(|| ApiError::NotFound(format!("no endpoint at {path}")))?;
        if method != Method::POST {
            return Err(ApiError::MethodNotAllowed(format!("{path} takes only POST")).into());
        }
        let mut request = ApiRequest::new(method.clone(), Caller::Anonymous);
        request.headers = headers;
        request.body = body;
        match endpoint {
            Endpoint::Authorize => {
                let body: AuthorizeBody = request.json_body()?;
                require_key(&body.idempotency_key)?;
                require_positive(body.amount)?;
                let reference = self
                    .gateway
                    .authorize(&AuthorizeRequest {
                        order_id: body.order_id,
                        amount: body.amount,
                        payment_token: body.payment_token,
                        method: body.payment_method,
                        idempotency_key: body.idempotency_key,
                    })
                    .await?;
                Ok(reference)
            }
            Endpoint::Capture(reference) => {
                let body: AmountBody = request.json_body()?;
                require_key(&body.idempotency_key)?;
                require_positive(body.amount)?;
                self.gateway
                    .capture(reference, body.amount, &body.idempotency_key)
                    .await?;
                Ok(reference.to_owned())
            }
            Endpoint::Void(reference) => {
                let body: VoidBody = request.json_body()?;
                require_key(&body.idempotency_key)?;
                self.gateway.void(reference, &body.idempotency_key).await?;
                Ok(reference.to_owned())
            }
            Endpoint::Refund(reference) => {
                let body: AmountBody = request.json_body()?;
                require_key(&body.idempotency_key)?;
                require_positive(body.amount)?;
                self.gateway
                    .refund(reference, body.amount, &body.idempotency_key)
                    .await?;
                Ok(reference.to_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::mock_gateway::{MockGateway, WebhookDelivery, APPROVE, DECLINE};
    use crate::domain::clock::{SequentialIds, SystemClock};
    use async_trait::async_trait;

    struct Nowhere;

    #[async_trait]
    impl WebhookDelivery for Nowhere {
        async fn deliver(&self, _body: Vec<u8>, _signature: String) -> Result<(), String> {
            Ok(())
        }
    }

    const KEY: &str = "mock-key";

    fn service() -> MockService {
        let gateway = MockGateway::new(
            Arc::new(Nowhere),
            b"secret".to_vec(),
            Arc::new(SystemClock),
            Arc::new(SequentialIds::default()),
        );
        MockService::new(Arc::new(gateway), KEY)
    }

    fn headers(key: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", "application/json".parse().unwrap());
        if let Some(key) = key {
            headers.insert(API_KEY_HEADER, key.parse().unwrap());
        }
        headers
    }

    async fn post(service: &MockService, path: &str, body: &str) -> ApiResponse {
        service
            .answer(
                &Method::POST,
                path,
                headers(Some(KEY)),
                Bytes::from(body.to_owned()),
            )
            .await
    }

    fn authorize_body(token: &str, key: &str) -> String {
        json!({
            "orderId": "0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55",
            "amount": {"amount": 1000, "currency": "USD"},
            "paymentToken": token,
            "idempotencyKey": key,
        })
        .to_string()
    }

    #[tokio::test]
    async fn the_api_key_is_required_before_anything_else() {
        let service = service();
        for key in [None, Some("wrong"), Some("mock-key "), Some("")] {
            let response = service
                .answer(
                    &Method::GET,
                    "/nowhere",
                    headers(key),
                    Bytes::from_static(b"{"),
                )
                .await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{key:?}");
            assert_eq!(response.headers["content-type"], "application/problem+json");
        }
    }

    #[tokio::test]
    async fn statuses_follow_the_gateway() {
        let service = service();
        let approved = post(
            &service,
            "/payments/authorize",
            &authorize_body(APPROVE, "k1"),
        )
        .await;
        assert_eq!(approved.status, StatusCode::OK);
        let reference = approved.json_body()["reference"]
            .as_str()
            .unwrap()
            .to_owned();
        let declined = post(
            &service,
            "/payments/authorize",
            &authorize_body("tok_unknown", "k2"),
        )
        .await;
        assert_eq!(declined.status, StatusCode::PAYMENT_REQUIRED);
        assert_eq!(
            declined.json_body()["type"],
            "urn:mambogo:problem:payment-declined"
        );
        let refund = json!({"amount": {"amount": 1000, "currency": "USD"}, "idempotencyKey": "r1"});
        let not_captured = post(
            &service,
            &format!("/payments/{reference}/refund"),
            &refund.to_string(),
        )
        .await;
        assert_eq!(not_captured.status, StatusCode::CONFLICT);
        let unknown = post(&service, "/payments/pay_none/refund", &refund.to_string()).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let declined_then_voided = post(
            &service,
            "/payments/authorize",
            &authorize_body(DECLINE, "k3"),
        )
        .await;
        let reference = declined_then_voided.json_body()["reference"]
            .as_str()
            .unwrap()
            .to_owned();
        let voided = post(
            &service,
            &format!("/payments/{reference}/void"),
            r#"{"idempotencyKey": "v1"}"#,
        )
        .await;
        assert_eq!(voided.status, StatusCode::OK);
        assert_eq!(voided.json_body(), json!({ "reference": reference }));
    }

    #[tokio::test]
    async fn bad_bodies_paths_and_methods_are_refused() {
        let service = service();
        for body in [
            "{",
            r#"{"idempotencyKey": "v1", "extra": 1}"#,
            r#"{"idempotencyKey": " "}"#,
        ] {
            let response = post(&service, "/payments/pay_1/void", body).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{body}");
        }
        let zero = json!({"amount": {"amount": 0, "currency": "USD"}, "idempotencyKey": "c1"});
        assert_eq!(
            post(&service, "/payments/pay_1/capture", &zero.to_string())
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        for path in [
            "/payments",
            "/payments//void",
            "/payments/pay_1/settle",
            "/other",
        ] {
            assert_eq!(
                post(&service, path, "{}").await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let get = service
            .answer(
                &Method::GET,
                "/payments/authorize",
                headers(Some(KEY)),
                Bytes::new(),
            )
            .await;
        assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    }
}
