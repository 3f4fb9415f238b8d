//! Claims the shop signs for a shopper and checks when they come back: flash-sale
//! purchase tokens, price quotes. Each is a JWT signed with the shop's token key (HS256)
//! and carries an audience of its own, so no token of one kind passes for another; its
//! expiry is checked against the shop's clock, not the system's, so tests can move time.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::Serialize;
use time::OffsetDateTime;

use crate::domain::ids::UserId;

/// A kind of claims the shop signs.
pub trait SignedClaims: Serialize + DeserializeOwned {
    /// What a shopper calls it, for refusals: "purchase token", "quote".
    const NAME: &'static str;
    /// The `aud` every token of this kind carries.
    const AUDIENCE: &'static str;
    /// The shopper the claims were made for (`sub`).
    fn subject(&self) -> &UserId;
    /// Expiry, in seconds since the epoch (`exp`).
    fn expires_at(&self) -> i64;
}

/// Why signed claims were refused; each names the kind of token.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefused {
    #[error("the {0} is not one this shop signed")]
    Forged(&'static str),
    #[error("the {0} has expired")]
    Expired(&'static str),
    #[error("the {0} belongs to another shopper")]
    OtherShopper(&'static str),
}

/// `claims` signed with `key`.
pub fn sign<C: SignedClaims>(claims: &C, key: &[u8]) -> String {
    // Encoding claims the shop builds with HS256 cannot fail.
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap_or_default()
}

/// The claims of `token`, checking its signature with `key`, its audience, that it was
/// made for `subject` and that it has not expired at `now`.
pub fn verify<C: SignedClaims>(
    token: &str,
    key: &[u8],
    subject: &UserId,
    now: OffsetDateTime,
) -> Result<C, TokenRefused> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    validation.set_audience(&[C::AUDIENCE]);
    let claims = decode::<C>(token, &DecodingKey::from_secret(key), &validation)
        .map_err(|_| TokenRefused::Forged(C::NAME))?
        .claims;
    if claims.subject() != subject {
        return Err(TokenRefused::OtherShopper(C::NAME));
    }
    if claims.expires_at() <= now.unix_timestamp() {
        return Err(TokenRefused::Expired(C::NAME));
    }
    Ok(claims)
}
