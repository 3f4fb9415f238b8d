//! [`PaymentGateway`] over a gateway's HTTP API ([`wire`]): what the shop's functions use
//! when the mock gateway runs as its own Lambda.
//!
//! The caller builds the [`reqwest::Client`], with the TLS stack and timeouts it wants,
//! so this crate links no TLS of its own. Statuses map back to [`GatewayError`]: 402
//! declined, 404 unknown reference, 409 invalid state. Anything else, a connection that
//! failed and an answer that cannot be read are [`GatewayError::Unavailable`], which the
//! saga retries; that includes 401 (a wrong API key is an operator's fix, after which
//! the retry succeeds).

use reqwest::{StatusCode, Url};
use serde::Serialize;

use crate::domain::money::Money;
use crate::domain::payments::{AuthorizeRequest, GatewayError, PaymentGateway};

pub mod wire;

use wire::{AmountBody, AuthorizeBody, ReferenceBody, VoidBody, API_KEY_HEADER};

/// A base URL that cannot address the gateway.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the payment gateway URL {url:?} cannot be used: {reason}")]
pub struct BadGatewayUrl {
    /// The URL as given.
    pub url: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The mock gateway's HTTP API as a [`PaymentGateway`].
#[derive(Clone)]
pub struct HttpGateway {
    client: reqwest::Client,
    base_url: Url,
    api_key: String,
}

impl HttpGateway {
    /// The gateway at `base_url` (`https://…`, with or without a path prefix), called
    /// with `client` and authenticated by `api_key`.
    pub fn new(
        client: reqwest::Client,
        base_url: &str,
        api_key: impl Into<String>,
    ) -> Result<Self, BadGatewayUrl> {
        let bad = |reason: &str| BadGatewayUrl {
            url: base_url.to_owned(),
            reason: reason.to_owned(),
        };
        let parsed = Url::parse(base_url).map_err(|error| bad(&error.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
            return Err(bad("it must be an http or https URL"));
        }
        Ok(HttpGateway {
            client,
            base_url: parsed,
            api_key: api_key.into(),
        })
    }

    /// The URL of `payments/<segments…>` below the base URL, each segment escaped.
    fn url(&self, segments: &[&str]) -> Result<Url, GatewayError> {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| GatewayError::Unavailable("the gateway URL has no path".into()))?
            .pop_if_empty()
            .push("payments")
            .extend(segments);
        Ok(url)
    }

    /// POSTs `body` to `payments/<segments…>`; `reference` is the payment the call is
    /// about, if any, for a 404 to name.
    async fn post(
        &self,
        segments: &[&str],
        body: &impl Serialize,
        reference: Option<&str>,
    ) -> Result<ReferenceBody, GatewayError> {
        let response = self
            .client
            .post(self.url(segments)?)
            .header(API_KEY_HEADER, &self.api_key)
            .json(body)
            .send()
            .await
            .map_err(|error| {
                GatewayError::Unavailable(format!("cannot reach the gateway: {error}"))
            })?;
        let status = response.status();
        let answer = response.bytes().await.map_err(|error| {
            GatewayError::Unavailable(format!("the gateway's answer broke off: {error}"))
        })?;
        if status.is_success() {
            return serde_json::from_slice(&answer).map_err(|error| {
                GatewayError::Unavailable(format!("the gateway's answer is unreadable: {error}"))
            });
        }
        Err(refusal(status, &answer, reference))
    }
}

/// The [`GatewayError`] for a call answered `status` with the problem+json `body`.
fn refusal(status: StatusCode, body: &[u8], reference: Option<&str>) -> GatewayError {
    let detail = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|problem| problem["detail"].as_str().map(str::to_owned))
        .unwrap_or_else(|| status.to_string());
    match (status, reference) {
        (StatusCode::PAYMENT_REQUIRED, _) => GatewayError::Declined(detail),
        (StatusCode::NOT_FOUND, Some(reference)) => {
            GatewayError::UnknownReference(reference.to_owned())
        }
        (StatusCode::CONFLICT, _) => GatewayError::InvalidState(detail),
        (status, _) => {
            GatewayError::Unavailable(format!("the gateway answered {status}: {detail}"))
        }
    }
}

#[async_trait::async_trait]
impl PaymentGateway for HttpGateway {
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<String, GatewayError> {
        let body = AuthorizeBody {
            order_id: request.order_id,
            amount: request.amount,
            payment_token: request.payment_token.clone(),
            payment_method: request.method,
            idempotency_key: request.idempotency_key.clone(),
        };
        let answer = self.post(&["authorize"], &body, None).await?;
        Ok(answer.reference)
    }

    async fn capture(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError> {
        let body = AmountBody {
            amount,
            idempotency_key: idempotency_key.to_owned(),
        };
        self.post(&[reference, "capture"], &body, Some(reference))
            .await
            .map(drop)
    }

    async fn void(&self, reference: &str, idempotency_key: &str) -> Result<(), GatewayError> {
        let body = VoidBody {
            idempotency_key: idempotency_key.to_owned(),
        };
        self.post(&[reference, "void"], &body, Some(reference))
            .await
            .map(drop)
    }

    async fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<(), GatewayError> {
        let body = AmountBody {
            amount,
            idempotency_key: idempotency_key.to_owned(),
        };
        self.post(&[reference, "refund"], &body, Some(reference))
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway(base_url: &str) -> HttpGateway {
        HttpGateway::new(reqwest::Client::new(), base_url, "key").unwrap()
    }

    #[test]
    fn urls_keep_the_base_path_and_escape_references() {
        assert_eq!(
            gateway("https://mock.example.com")
                .url(&["authorize"])
                .unwrap()
                .as_str(),
            "https://mock.example.com/payments/authorize"
        );
        assert_eq!(
            gateway("https://mock.example.com/demo/")
                .url(&["pay 1/x", "void"])
                .unwrap()
                .as_str(),
            "https://mock.example.com/demo/payments/pay%201%2Fx/void"
        );
        for bad in [
            "not a url",
            "mailto:someone@example.com",
            "ftp://example.com",
        ] {
            assert!(
                HttpGateway::new(reqwest::Client::new(), bad, "key").is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn statuses_map_to_gateway_errors() {
        let problem = br#"{"status": 409, "detail": "cannot capture a payment that is Voided"}"#;
        assert_eq!(
            refusal(StatusCode::CONFLICT, problem, Some("pay_1")),
            GatewayError::InvalidState("cannot capture a payment that is Voided".into())
        );
        assert_eq!(
            refusal(StatusCode::PAYMENT_REQUIRED, br#"{"detail": "no"}"#, None),
            GatewayError::Declined("no".into())
        );
        assert_eq!(
            refusal(StatusCode::NOT_FOUND, b"", Some("pay_1")),
            GatewayError::UnknownReference("pay_1".into())
        );
        for (status, reference) in [
            (StatusCode::NOT_FOUND, None),
            (StatusCode::UNAUTHORIZED, None),
            (StatusCode::BAD_GATEWAY, Some("pay_1")),
            (StatusCode::SERVICE_UNAVAILABLE, None),
        ] {
            assert!(
                matches!(
                    refusal(status, b"<html>", reference),
                    GatewayError::Unavailable(_)
                ),
                "{status}"
            );
        }
    }
}
