//! The local server's connections and what it reads from them. Connections are served
//! with hyper's HTTP/1 builder rather than `axum::serve`, which cannot bound how long a
//! request's head may take. Every request is then held to the shop's own limits on its
//! head before any route sees it, and its body to a size and a deadline, each answered
//! with problem+json like every other refusal.
//!
//! hyper keeps limits of its own, far above these (1,000 header fields, about 400 KiB of
//! head, a 64 KiB target), and answers a request past them, or one whose request line it
//! cannot parse, itself, with a bare status: [`crate::hyper_refusals`] puts problem+json
//! in its place.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::ConnectInfo;
use axum::Router;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use mambogo::api::ApiError;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::ServiceExt;

use crate::hyper_refusals::ProblemRefusals;
use crate::limits::{MAX_HEADER_BYTES, MAX_HEADER_FIELDS, MAX_TARGET_BYTES};
use crate::responses::to_http;

/// How many header fields hyper parses before refusing by itself.
const PARSED_HEADER_FIELDS: usize = 1_000;
/// How long to wait before accepting again after the listener failed (out of file
/// descriptors, say), rather than spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `stop` fires, then lets the requests in flight
/// finish. A request's head must arrive within `read_timeout` of its first byte, or the
/// connection is closed.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    read_timeout: Duration,
    stop: oneshot::Receiver<()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .max_headers(PARSED_HEADER_FIELDS);
    let connections = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            handle(router.clone(), peer, request)
        });
        let connection = connections
            .watch(builder.serve_connection(TokioIo::new(ProblemRefusals::new(stream)), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection closed");
            }
        });
    }
    connections.shutdown().await;
}

async fn handle(
    router: Router,
    peer: SocketAddr,
    request: http::Request<Incoming>,
) -> Result<axum::response::Response, std::convert::Infallible> {
    if let Some(refusal) = oversized_head(&request) {
        return Ok(to_http(refusal.into_response()));
    }
    let mut request = request.map(Body::new);
    request.extensions_mut().insert(ConnectInfo(peer));
    router.oneshot(request).await
}

/// The refusal of a request whose target or header fields pass the shop's limits.
fn oversized_head<B>(request: &http::Request<B>) -> Option<ApiError> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target > MAX_TARGET_BYTES {
        return Some(ApiError::UriTooLong {
            limit: MAX_TARGET_BYTES,
        });
    }
    let headers = request.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    (headers.len() > MAX_HEADER_FIELDS || bytes > MAX_HEADER_BYTES).then(|| {
        ApiError::HeaderFieldsTooLarge(format!(
            "a request may carry at most {MAX_HEADER_FIELDS} header fields and \
             {MAX_HEADER_BYTES} bytes of them"
        ))
    })
}

/// Reads a request's body: at most `limit` bytes, all of it within `deadline`.
pub(crate) async fn read_body(
    body: Body,
    limit: usize,
    deadline: Duration,
) -> Result<Bytes, ApiError> {
    match tokio::time::timeout(deadline, to_bytes(body, limit)).await {
        Err(_) => Err(ApiError::RequestTimeout(format!(
            "the body did not arrive within {} s",
            deadline.as_secs_f64()
        ))),
        Ok(Err(_)) => Err(ApiError::PayloadTooLarge { limit }),
        Ok(Ok(body)) => Ok(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str, headers: &[(&str, String)]) -> http::Request<()> {
        let mut request = http::Request::builder().uri(target);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        request.body(()).unwrap()
    }

    #[test]
    fn heads_within_the_limits_pass_and_others_are_refused() {
        assert!(oversized_head(&request("/products?q=lamp", &[])).is_none());

        let long = format!("/products?q={}", "a".repeat(MAX_TARGET_BYTES));
        let refused = oversized_head(&request(&long, &[])).unwrap();
        assert_eq!(refused.status(), http::StatusCode::URI_TOO_LONG);

        let many: Vec<(&str, String)> = (0..=MAX_HEADER_FIELDS)
            .map(|_| ("x-many", "1".to_owned()))
            .collect();
        let refused = oversized_head(&request("/", &many)).unwrap();
        assert_eq!(
            refused.status(),
            http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        );

        let large = [("x-large", "a".repeat(MAX_HEADER_BYTES))];
        assert!(oversized_head(&request("/", &large)).is_some());
    }
}
