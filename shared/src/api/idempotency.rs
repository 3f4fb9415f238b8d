//! `Idempotency-Key` on the POST routes that create or pay: the same key with the same
//! body answers what the first request answered (marked `Idempotent-Replayed: true`);
//! with a different body, 422; while the first is still being worked on, 409. Answers
//! that a retry could change (a 5xx) are not kept: the key is given up so a retry does
//! the work.

use std::future::Future;

use http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::Services;
use crate::domain::idempotency::{IdempotencyClaim, StoredResponse};

/// The header that makes a retried request safe.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// The request's idempotency key, which is required: 1 to 255 visible ASCII characters.
pub fn idempotency_key(request: &ApiRequest) -> Result<String, ApiError> {
    let key = request.header(IDEMPOTENCY_KEY_HEADER)?.ok_or_else(|| {
        ApiError::malformed(
            "Idempotency-Key",
            "is required: a unique value per attempt, such as a UUID",
        )
    })?;
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::malformed(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(key.to_owned())
}

/// Answers with `handle` once per `scoped_key` and body: `body` is the request's parsed
/// body, so bodies that differ only in layout count as the same.
pub async fn replayable<F, Fut>(
    services: &Services,
    scoped_key: &str,
    body: &impl Serialize,
    handle: F,
) -> Result<ApiResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<ApiResponse, ApiError>>,
{
    let canonical =
        serde_json::to_vec(body).map_err(|error| ApiError::Internal(error.to_string()))?;
    let fingerprint = hex::encode(Sha256::digest(&canonical));
    let now = services.clock.now();
    let claim = services
        .idempotency
        .claim(
            scoped_key,
            &fingerprint,
            now,
            now + services.checkout.idempotency_lease,
        )
        .await?;
    match claim {
        IdempotencyClaim::Claimed => {}
        IdempotencyClaim::Replay(stored) => return Ok(replay(&stored)),
        IdempotencyClaim::InProgress => {
            return Err(ApiError::Conflict(
                "a request with this Idempotency-Key is still in progress".into(),
            ))
        }
        IdempotencyClaim::Mismatch => {
            return Err(ApiError::invalid(
                "Idempotency-Key",
                "was already used for a request with a different body",
            ))
        }
    }
    let outcome = handle().await;
    let kept = match &outcome {
        Ok(response) => Some(response.clone()),
        Err(error) if !error.worth_retrying() => Some(error.clone().into_response()),
        Err(_) => None,
    };
    match kept {
        Some(response) => {
            let stored = StoredResponse {
                status: response.status.as_u16(),
                body: String::from_utf8_lossy(&response.body).into_owned(),
            };
            let keep_until = services.clock.now() + services.checkout.idempotency_ttl;
            services
                .idempotency
                .complete(scoped_key, &stored, keep_until)
                .await?;
        }
        None => services.idempotency.release(scoped_key).await?,
    }
    outcome
}

fn replay(stored: &StoredResponse) -> ApiResponse {
    let body: Value = serde_json::from_str(&stored.body).unwrap_or(Value::Null);
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = ApiResponse::json(status, &body);
    if status.is_client_error() {
        response.set_header("content-type", "application/problem+json");
    }
    response.with_header("idempotent-replayed", "true")
}
