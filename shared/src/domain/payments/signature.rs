//! Webhook signatures: `Mambogo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
//! `"<t>.<body>"`. Several `v1` values may be present while secrets are rotated; one
//! matching any configured secret is enough.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

/// The header the signature travels in.
pub const SIGNATURE_HEADER: &str = "mambogo-signature";
/// How far a signature's timestamp may be from now.
pub const TOLERANCE: Duration = Duration::minutes(5);
/// The most `v1` entries one header may carry: enough for any rotation, few enough that
/// an unsigned request cannot make the check expensive.
pub const MAX_SIGNATURES: usize = 4;

/// Why a signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the Mambogo-Signature header is missing")]
    Missing,
    #[error("the Mambogo-Signature header must be t=<timestamp>,v1=<hex signature>")]
    Malformed,
    #[error("the Mambogo-Signature header carries more than four signatures")]
    TooManySignatures,
    #[error("the signature's timestamp is more than five minutes away")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// The webhook signing secrets kept in one value, comma-separated (two while rotating;
/// the first signs).
pub fn split_webhook_secrets(value: &str) -> Vec<Vec<u8>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
        .map(|secret| secret.as_bytes().to_vec())
        .collect()
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value signing `body` at `timestamp` with `secret`.
pub fn signature_header(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let signature = mac(secret, timestamp, body).finalize().into_bytes();
    format!("t={timestamp},v1={}", hex::encode(signature))
}

/// Checks `header` against `body` with any of `secrets`, at `now`, and says when the
/// gateway signed it. The comparison is constant-time; a header with more than
/// [`MAX_SIGNATURES`] entries is refused before any hashing.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[Vec<u8>],
    now: OffsetDateTime,
) -> Result<OffsetDateTime, SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => {
                timestamp = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| SignatureError::Malformed)?,
                )
            }
            Some(("v1", value)) => {
                if signatures.len() == MAX_SIGNATURES {
                    return Err(SignatureError::TooManySignatures);
                }
                signatures.push(hex::decode(value).map_err(|_| SignatureError::Malformed)?)
            }
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.unix_timestamp().abs_diff(timestamp) > TOLERANCE.whole_seconds().unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    // The body is hashed once per secret; each entry then costs only the MAC's finish.
    let matches = secrets.iter().any(|secret| {
        let signed = mac(secret, timestamp, body);
        signatures
            .iter()
            .any(|signature| signed.clone().verify_slice(signature).is_ok())
    });
    if matches {
        // Within the tolerance of `now`, so within the calendar.
        OffsetDateTime::from_unix_timestamp(timestamp).map_err(|_| SignatureError::Stale)
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn webhook_secrets_split_on_commas() {
        assert_eq!(
            split_webhook_secrets("whsec_new, whsec_old,"),
            [b"whsec_new".to_vec(), b"whsec_old".to_vec()]
        );
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(NOW).unwrap()
    }

    #[test]
    fn a_signed_body_verifies() {
        let header = signature_header(b"whsec_1", NOW, b"{}");
        assert_eq!(
            verify(Some(&header), b"{}", &[b"whsec_1".to_vec()], now()),
            Ok(now())
        );
    }

    #[test]
    fn tampering_wrong_secrets_and_stale_timestamps_are_refused() {
        let header = signature_header(b"whsec_1", NOW, b"{}");
        assert_eq!(
            verify(Some(&header), b"{ }", &[b"whsec_1".to_vec()], now()),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(Some(&header), b"{}", &[b"other".to_vec()], now()),
            Err(SignatureError::Mismatch)
        );
        let later = now() + Duration::seconds(301);
        assert_eq!(
            verify(Some(&header), b"{}", &[b"whsec_1".to_vec()], later),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(None, b"{}", &[b"whsec_1".to_vec()], now()),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(Some("v1=zz"), b"{}", &[b"whsec_1".to_vec()], now()),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn rotation_accepts_any_v1_with_any_secret() {
        let old = signature_header(b"old", NOW, b"{}");
        let new = signature_header(b"new", NOW, b"{}");
        let both = format!("{},{}", new, old.split_once(',').unwrap().1);
        assert_eq!(
            verify(Some(&both), b"{}", &[b"old".to_vec()], now()),
            Ok(now())
        );
        assert_eq!(
            verify(
                Some(&old),
                b"{}",
                &[b"new".to_vec(), b"old".to_vec()],
                now()
            ),
            Ok(now())
        );
    }

    #[test]
    fn timestamps_at_the_ends_of_the_range_are_stale_not_a_panic() {
        let secrets = [b"whsec_1".to_vec()];
        for timestamp in [i64::MIN, i64::MAX, i64::MIN + 1] {
            let header = signature_header(b"whsec_1", timestamp, b"{}");
            assert_eq!(
                verify(Some(&header), b"{}", &secrets, now()),
                Err(SignatureError::Stale)
            );
        }
    }

    #[test]
    fn more_signatures_than_a_rotation_needs_are_refused_unhashed() {
        let header = signature_header(b"whsec_1", NOW, b"{}");
        let entry = header.split_once(',').unwrap().1;
        let four = format!("t={NOW}{}", format!(",{entry}").repeat(MAX_SIGNATURES));
        assert_eq!(
            verify(Some(&four), b"{}", &[b"whsec_1".to_vec()], now()),
            Ok(now())
        );
        let five = format!("{four},{entry}");
        assert_eq!(
            verify(Some(&five), b"{}", &[b"whsec_1".to_vec()], now()),
            Err(SignatureError::TooManySignatures)
        );
    }
}
