//! hyper's own refusals, answered as problem+json like every other.
//!
//! A request line hyper cannot parse, or a head past its hard limits, never reaches the
//! shop: hyper answers it itself with a bare status (`400`, `414` or `431`, `connection:
//! close`, `content-length: 0`) and closes the connection, and it has no hook to shape
//! that answer. The shop itself never answers 4xx without a body, so this stream, between
//! hyper and the socket, recognises exactly those answers as hyper writes them and puts
//! the shop's problem+json answer in their place. Everything else passes untouched.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http::StatusCode;
use mambogo::api::ApiError;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::limits::MAX_TARGET_BYTES;

/// A connection's stream whose writes of hyper's bare refusals are rewritten.
pub(crate) struct ProblemRefusals<S> {
    inner: S,
    /// The answer written in place of hyper's, and how much of it has gone out.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> ProblemRefusals<S> {
    pub(crate) fn new(inner: S) -> Self {
        ProblemRefusals {
            inner,
            pending: None,
        }
    }
}

/// The refusal hyper's answer `written` stands for, if it is one of hyper's: a 4xx
/// head without a body that closes the connection, as no route of the shop answers.
fn hyper_refusal(written: &[u8]) -> Option<ApiError> {
    let head = std::str::from_utf8(written)
        .ok()?
        .strip_suffix("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.strip_prefix("HTTP/1.1 ")?.get(..3)?;
    let fields: Vec<String> = lines.map(str::to_ascii_lowercase).collect();
    let bare = fields.iter().any(|field| field == "content-length: 0")
        && fields.iter().any(|field| field == "connection: close")
        && !fields
            .iter()
            .any(|field| field.starts_with("content-type:"));
    if !bare {
        return None;
    }
    match status
        .parse::<u16>()
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())?
    {
        StatusCode::BAD_REQUEST => Some(ApiError::malformed(
            "request",
            "does not start with a request line the shop can read",
        )),
        StatusCode::URI_TOO_LONG => Some(ApiError::UriTooLong {
            limit: MAX_TARGET_BYTES,
        }),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => Some(ApiError::HeaderFieldsTooLarge(
            "the request's head is larger than the shop reads".to_owned(),
        )),
        _ => None,
    }
}

/// `refusal` as the bytes of a response that closes the connection.
fn encoded(refusal: ApiError) -> Vec<u8> {
    let response = refusal.into_response();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nconnection: close\r\ncontent-length: {}\r\n",
        response.status.as_u16(),
        response.status.canonical_reason().unwrap_or(""),
        response.body.len()
    );
    for (name, value) in &response.headers {
        if let Ok(value) = value.to_str() {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(&response.body);
    bytes
}

impl<S: AsyncWrite + Unpin> ProblemRefusals<S> {
    /// Writes what is left of the answer put in place of hyper's.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, sent)) = &mut self.pending {
            if *sent == bytes.len() {
                self.pending = None;
                break;
            }
            let written = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*sent..]))?;
            if written == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *sent += written;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ProblemRefusals<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ProblemRefusals<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            if let Some(refusal) = hyper_refusal(buf) {
                this.pending = Some((encoded(refusal), 0));
                // hyper's bytes count as written; flushing or closing sends the rest.
                return match this.drain(cx) {
                    Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
                    _ => Poll::Ready(Ok(buf.len())),
                };
            }
        }
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYPER_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 05:49:08 GMT\r\n\r\n";

    #[test]
    fn only_hypers_bare_refusals_are_recognised() {
        let refusal = hyper_refusal(HYPER_400).unwrap();
        assert_eq!(refusal.status(), StatusCode::BAD_REQUEST);
        let too_large = String::from_utf8_lossy(HYPER_400).replace("400 Bad Request", "431 x");
        assert_eq!(
            hyper_refusal(too_large.as_bytes()).unwrap().status(),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
        );
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        assert!(hyper_refusal(with_body).is_none());
        let kept_open = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        assert!(hyper_refusal(kept_open).is_none());
        let server_error =
            b"HTTP/1.1 500 Internal Server Error\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert!(hyper_refusal(server_error).is_none());
        assert!(hyper_refusal(b"HTTP/1.1 400 Bad").is_none());
    }

    #[test]
    fn the_answer_put_in_place_is_problem_json_that_closes() {
        let bytes = encoded(hyper_refusal(HYPER_400).unwrap());
        let text = String::from_utf8(bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("connection: close"), "{head}");
        assert!(
            head.contains("content-type: application/problem+json"),
            "{head}"
        );
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"], 400);
    }
}
