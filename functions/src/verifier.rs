//! Checking tokens sent to routes that have no authorizer (where signing in is
//! optional), with the identity provider's keys fetched once, on the first token that
//! needs them: a cold start that serves only guests never waits for the fetch.

use std::time::Duration;

use mambogo::api::auth::TokenVerifier;
use mambogo::api::ApiError;
use tokio::sync::OnceCell;

use crate::config::TokenKeys;

/// How long the identity provider has to hand over its keys.
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);

/// A function's token verifier, ready or fetched when first needed.
pub struct Verifier {
    keys: TokenKeys,
    fetched: OnceCell<TokenVerifier>,
}

impl Verifier {
    /// A verifier for `keys`.
    pub fn new(keys: TokenKeys) -> Self {
        Verifier {
            keys,
            fetched: OnceCell::new(),
        }
    }

    /// The verifier, fetching the keys on first use; `None` when no keys are configured
    /// (sent tokens are then refused). A failed fetch is tried again on the next call.
    pub async fn get(&self) -> Result<Option<&TokenVerifier>, ApiError> {
        match &self.keys {
            TokenKeys::None => Ok(None),
            TokenKeys::Ready(verifier) => Ok(Some(verifier)),
            TokenKeys::Remote {
                url,
                issuer,
                audience,
            } => self
                .fetched
                .get_or_try_init(|| async {
                    let keys = fetch_keys(url).await.map_err(|problem| {
                        tracing::error!(%url, %problem, "cannot fetch the token keys");
                        ApiError::Unavailable(format!(
                            "the identity provider's keys cannot be read: {problem}"
                        ))
                    })?;
                    Ok(TokenVerifier::new(keys, issuer.clone(), audience.clone()))
                })
                .await
                .map(Some),
        }
    }
}

async fn fetch_keys(url: &reqwest::Url) -> Result<mambogo::api::auth::VerifierKeys, String> {
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|error| error.to_string())?;
    let body = client
        .get(url.clone())
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|error| error.to_string())?
        .text()
        .await
        .map_err(|error| error.to_string())?;
    TokenVerifier::parse_key_set(&body).map_err(|error| format!("not a JWKS document: {error}"))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use axum::http::StatusCode;
    use axum::routing::get;
    use axum::Router;

    use super::*;

    const ONE_KEY_JWKS: &str = r#"{"keys": [{"kty": "RSA", "kid": "key-1", "alg": "RS256",
        "use": "sig", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl", "e": "AQAB"}]}"#;

    /// An identity provider on 127.0.0.1 that fails its first `failures` requests.
    async fn issuer(failures: usize) -> (reqwest::Url, Arc<AtomicUsize>) {
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let app = Router::new().route(
            "/.well-known/jwks.json",
            get(move || {
                let seen = counter.fetch_add(1, Ordering::SeqCst);
                async move {
                    if seen < failures {
                        (StatusCode::INTERNAL_SERVER_ERROR, String::new())
                    } else {
                        (StatusCode::OK, ONE_KEY_JWKS.to_owned())
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let url = format!("http://{address}/.well-known/jwks.json")
            .parse()
            .unwrap();
        (url, requests)
    }

    fn remote(url: reqwest::Url) -> Verifier {
        Verifier::new(TokenKeys::Remote {
            url,
            issuer: Some("https://issuer.example.com".into()),
            audience: None,
        })
    }

    #[tokio::test]
    async fn keys_are_fetched_once_on_first_use() {
        let (url, requests) = issuer(0).await;
        let verifier = remote(url);
        assert_eq!(
            requests.load(Ordering::SeqCst),
            0,
            "nothing is fetched at start"
        );
        assert!(verifier.get().await.unwrap().is_some());
        assert!(verifier.get().await.unwrap().is_some());
        assert_eq!(requests.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_fetch_answers_unavailable_and_is_tried_again() {
        let (url, requests) = issuer(1).await;
        let verifier = remote(url);
        assert!(matches!(
            verifier.get().await,
            Err(ApiError::Unavailable(_))
        ));
        assert!(verifier.get().await.unwrap().is_some());
        assert_eq!(requests.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn without_keys_there_is_no_verifier() {
        assert!(Verifier::new(TokenKeys::None)
            .get()
            .await
            .unwrap()
            .is_none());
    }
}
