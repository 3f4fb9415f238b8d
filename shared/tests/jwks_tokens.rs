//! RS256 tokens checked against a JWKS, as an OIDC provider (Cognito, Auth0, …) issues them.
//! The key pair under `fixtures/` exists only for this test.

// A test stops at the line that failed: tests unwrap where production code may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use mambogo::api::auth::{mint_token, AuthError, Claims, TokenVerifier};
use time::{Duration, OffsetDateTime};

const PRIVATE_KEY: &str = include_str!("fixtures/test-rsa-private.pem");
const JWKS: &str = include_str!("fixtures/test-jwks.json");
const ISSUER: &str = "https://issuer.test";

fn claims(sub: &str) -> Claims {
    Claims {
        sub: sub.to_owned(),
        exp: (OffsetDateTime::now_utc() + Duration::hours(1)).unix_timestamp(),
        iss: Some(ISSUER.to_owned()),
        aud: Some("shop".to_owned()),
        groups: Vec::new(),
        cognito_groups: vec!["admin".to_owned()],
        email: None,
        email_verified: None,
    }
}

fn signed(claims: &Claims, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).expect("the fixture key parses");
    encode(&header, claims, &key).expect("signing works")
}

fn verifier() -> TokenVerifier {
    let keys = TokenVerifier::parse_key_set(JWKS).expect("the fixture JWKS parses");
    TokenVerifier::new(keys, Some(ISSUER.to_owned()), Some("shop".to_owned()))
}

#[test]
fn a_provider_token_verifies_with_its_groups() {
    let verified = verifier()
        .verify(&signed(&claims("alice"), "test-key-1"))
        .unwrap();
    assert_eq!(verified.sub, "alice");
    assert!(verified.groups().any(|group| group == "admin"));
}

#[test]
fn unknown_keys_other_issuers_and_algorithm_swaps_are_refused() {
    assert_eq!(
        verifier().verify(&signed(&claims("alice"), "rotated-away")),
        Err(AuthError::Invalid)
    );

    let mut elsewhere = claims("alice");
    elsewhere.iss = Some("https://evil.test".to_owned());
    assert_eq!(
        verifier().verify(&signed(&elsewhere, "test-key-1")),
        Err(AuthError::Invalid)
    );

    // An HS256 token must not be accepted by an RS256 verifier, whatever secret signed it.
    let hs256 = mint_token(
        JWKS.as_bytes(),
        "alice",
        true,
        OffsetDateTime::now_utc(),
        Duration::hours(1),
    )
    .unwrap();
    assert_eq!(verifier().verify(&hs256), Err(AuthError::Invalid));
}

#[test]
fn a_token_without_the_configured_issuer_or_audience_is_refused() {
    let mut no_audience = claims("alice");
    no_audience.aud = None;
    assert_eq!(
        verifier().verify(&signed(&no_audience, "test-key-1")),
        Err(AuthError::Invalid)
    );

    let mut no_issuer = claims("alice");
    no_issuer.iss = None;
    assert_eq!(
        verifier().verify(&signed(&no_issuer, "test-key-1")),
        Err(AuthError::Invalid)
    );
}

#[test]
fn a_cognito_access_token_naming_the_client_in_client_id_is_refused() {
    #[derive(serde::Serialize)]
    struct AccessToken<'a> {
        sub: &'a str,
        exp: i64,
        iss: &'a str,
        client_id: &'a str,
        token_use: &'a str,
    }
    let access = AccessToken {
        sub: "alice",
        exp: (OffsetDateTime::now_utc() + Duration::hours(1)).unix_timestamp(),
        iss: ISSUER,
        client_id: "shop",
        token_use: "access",
    };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key-1".to_owned());
    let key = EncodingKey::from_rsa_pem(PRIVATE_KEY.as_bytes()).unwrap();
    let token = encode(&header, &access, &key).unwrap();
    assert_eq!(verifier().verify(&token), Err(AuthError::Invalid));
}
