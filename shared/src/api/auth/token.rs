//! JSON Web Tokens: verifying them (HS256 with a shared secret, or RS256 with a JWKS)
//! and minting development tokens for the local shop.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The domain of development users' e-mail addresses: `alice` is `alice@example.com`.
pub const DEV_MAIL_DOMAIN: &str = "example.com";
/// The issuer of tokens minted by the local shop.
pub const DEV_ISSUER: &str = "mambogo-local";
/// The audience of tokens minted by the local shop.
pub const DEV_AUDIENCE: &str = "mambogo";

/// The claims Mambogo reads from a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    /// Groups as a generic OIDC provider names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// Groups as Cognito names them.
    #[serde(
        default,
        rename = "cognito:groups",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cognito_groups: Vec<String>,
    /// The user's e-mail address (OIDC's `email`, in Cognito's ID tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the identity provider checked that the user receives mail at `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
}

impl Claims {
    /// Every group the user is in, whichever claim carried it.
    pub fn groups(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .chain(&self.cognito_groups)
            .map(String::as_str)
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("the Authorization header must be `Bearer <token>`")]
    Malformed,
    #[error("the token has expired")]
    Expired,
    #[error("the token's signature, issuer or audience is not valid")]
    Invalid,
    #[error("the token's subject is not a valid user id")]
    BadSubject,
    #[error("this deployment cannot verify tokens itself; call through the API's authorizer")]
    NotConfigured,
}

/// The keys tokens are checked against.
#[derive(Clone)]
pub enum VerifierKeys {
    /// A shared HS256 secret (the local shop's development tokens).
    SharedSecret(Vec<u8>),
    /// An identity provider's public keys (RS256), as a JWKS document.
    KeySet(JwkSet),
}

/// Checks bearer tokens: signature, expiry, and issuer and audience when configured. A
/// configured issuer or audience is a required claim: a token without it is refused. The
/// audience is the `aud` claim only, so of Cognito's tokens the ID token (whose `aud` is
/// the app client) is accepted and the access token (which names the client in
/// `client_id` and has no `aud`) is not; the storefront sends ID tokens.
#[derive(Clone)]
pub struct TokenVerifier {
    keys: VerifierKeys,
    issuer: Option<String>,
    audience: Option<String>,
}

impl TokenVerifier {
    /// A verifier for `keys`; `issuer` and `audience`, when given, must be in the token and
    /// match.
    pub fn new(keys: VerifierKeys, issuer: Option<String>, audience: Option<String>) -> Self {
        TokenVerifier {
            keys,
            issuer,
            audience,
        }
    }

    /// Parses a JWKS document (`{"keys": [...]}`).
    pub fn parse_key_set(jwks_json: &str) -> Result<VerifierKeys, serde_json::Error> {
        serde_json::from_str(jwks_json).map(VerifierKeys::KeySet)
    }

    /// Verifies `authorization` (the header's value) and returns its claims.
    pub fn verify_header(&self, authorization: &str) -> Result<Claims, AuthError> {
        let token = authorization
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or(AuthError::Malformed)?;
        self.verify(token)
    }

    /// Verifies a bare token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header = decode_header(token).map_err(|_| AuthError::Malformed)?;
        let (key, algorithm) = match &self.keys {
            VerifierKeys::SharedSecret(secret) => {
                (DecodingKey::from_secret(secret), Algorithm::HS256)
            }
            VerifierKeys::KeySet(set) => {
                let jwk = match &header.kid {
                    Some(kid) => set.find(kid),
                    None if set.keys.len() == 1 => set.keys.first(),
                    None => None,
                }
                .ok_or(AuthError::Invalid)?;
                (
                    DecodingKey::from_jwk(jwk).map_err(|_| AuthError::Invalid)?,
                    Algorithm::RS256,
                )
            }
        };
        if header.alg != algorithm {
            return Err(AuthError::Invalid);
        }
        let mut validation = Validation::new(algorithm);
        validation.leeway = 30;
        let mut required = vec!["exp", "sub"];
        required.extend(self.issuer.as_ref().map(|_| "iss"));
        required.extend(self.audience.as_ref().map(|_| "aud"));
        validation.set_required_spec_claims(&required);
        match &self.issuer {
            Some(issuer) => validation.set_issuer(&[issuer]),
            None => validation.iss = None,
        }
        match &self.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        decode::<Claims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                _ => AuthError::Invalid,
            })
    }
}

/// Mints an HS256 development token for `user`, valid for `lifetime` from `now`; its
/// verified e-mail address is `<user>@`[`DEV_MAIL_DOMAIN`].
pub fn mint_token(
    secret: &[u8],
    user: &str,
    admin: bool,
    now: OffsetDateTime,
    lifetime: Duration,
) -> Result<String, jsonwebtoken::errors::Error> {
    let claims = Claims {
        sub: user.to_owned(),
        exp: (now + lifetime).unix_timestamp(),
        iss: Some(DEV_ISSUER.to_owned()),
        aud: Some(DEV_AUDIENCE.to_owned()),
        groups: if admin {
            vec![super::ADMIN_GROUP.to_owned()]
        } else {
            Vec::new()
        },
        cognito_groups: Vec::new(),
        email: Some(format!("{user}@{DEV_MAIL_DOMAIN}")),
        email_verified: Some(true),
    };
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"test-secret";

    fn verifier() -> TokenVerifier {
        TokenVerifier::new(
            VerifierKeys::SharedSecret(SECRET.to_vec()),
            Some(DEV_ISSUER.into()),
            Some(DEV_AUDIENCE.into()),
        )
    }

    #[test]
    fn a_minted_token_verifies() {
        let token = mint_token(
            SECRET,
            "alice",
            true,
            OffsetDateTime::now_utc(),
            Duration::hours(1),
        )
        .unwrap();
        let claims = verifier()
            .verify_header(&format!("Bearer {token}"))
            .unwrap();
        assert_eq!(claims.sub, "alice");
        assert!(claims.groups().any(|g| g == "admin"));
    }

    #[test]
    fn expired_forged_and_garbled_tokens_are_refused() {
        let past = OffsetDateTime::now_utc() - Duration::hours(2);
        let expired = mint_token(SECRET, "alice", false, past, Duration::hours(1)).unwrap();
        assert_eq!(verifier().verify(&expired), Err(AuthError::Expired));

        let forged = mint_token(
            b"other",
            "alice",
            true,
            OffsetDateTime::now_utc(),
            Duration::hours(1),
        )
        .unwrap();
        assert_eq!(verifier().verify(&forged), Err(AuthError::Invalid));

        assert_eq!(verifier().verify("not.a.token"), Err(AuthError::Malformed));
        assert_eq!(
            verifier().verify_header("Basic abc"),
            Err(AuthError::Malformed)
        );
    }

    #[test]
    fn the_wrong_audience_is_refused() {
        let token = mint_token(
            SECRET,
            "alice",
            false,
            OffsetDateTime::now_utc(),
            Duration::hours(1),
        )
        .unwrap();
        let strict = TokenVerifier::new(
            VerifierKeys::SharedSecret(SECRET.to_vec()),
            None,
            Some("elsewhere".into()),
        );
        assert_eq!(strict.verify(&token), Err(AuthError::Invalid));
    }

    #[test]
    fn a_token_missing_the_configured_issuer_or_audience_is_refused() {
        let exp = (OffsetDateTime::now_utc() + Duration::hours(1)).unix_timestamp();
        let sign = |iss: Option<&str>, aud: Option<&str>| {
            let claims = Claims {
                sub: "alice".into(),
                exp,
                iss: iss.map(str::to_owned),
                aud: aud.map(str::to_owned),
                groups: vec![crate::api::auth::ADMIN_GROUP.to_owned()],
                cognito_groups: Vec::new(),
                email: None,
                email_verified: None,
            };
            encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(SECRET),
            )
            .unwrap()
        };
        let complete = sign(Some(DEV_ISSUER), Some(DEV_AUDIENCE));
        assert!(verifier().verify(&complete).is_ok());
        let no_audience = sign(Some(DEV_ISSUER), None);
        assert_eq!(verifier().verify(&no_audience), Err(AuthError::Invalid));
        let no_issuer = sign(None, Some(DEV_AUDIENCE));
        assert_eq!(verifier().verify(&no_issuer), Err(AuthError::Invalid));

        let open = TokenVerifier::new(VerifierKeys::SharedSecret(SECRET.to_vec()), None, None);
        assert!(open.verify(&sign(None, None)).is_ok());
    }
}
