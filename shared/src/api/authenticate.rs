//! Turning a request's `Authorization` header into a [`Caller`], per the operation's
//! [`AuthRequirement`].

use http::HeaderMap;

use super::route_table::AuthRequirement;
use super::ApiError;
use crate::api::auth::{AuthError, Caller, TokenVerifier};

/// The caller of a request. `verifier` is `None` where no keys are configured (a Lambda
/// behind API Gateway's authorizer); a token that must be checked is then refused.
pub fn authenticate(
    requirement: AuthRequirement,
    headers: &HeaderMap,
    verifier: Option<&TokenVerifier>,
) -> Result<Caller, ApiError> {
    if requirement == AuthRequirement::Public {
        return Ok(Caller::Anonymous);
    }
    let header = match headers.get(http::header::AUTHORIZATION) {
        Some(value) => value.to_str().map_err(|_| AuthError::Malformed)?,
        None if requirement == AuthRequirement::Required => {
            return Err(ApiError::Unauthorized(
                "sign in: send Authorization: Bearer <token>".into(),
            ))
        }
        None => return Ok(Caller::Anonymous),
    };
    let verifier = verifier.ok_or(AuthError::NotConfigured)?;
    let claims = verifier.verify_header(header)?;
    Ok(Caller::from_claims(&claims)?)
}
