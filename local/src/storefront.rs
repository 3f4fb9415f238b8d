//! The storefront: the pages under `web/` served at `/`, beside the API, with the page's
//! runtime configuration and, when the shop signs its own development tokens, a sign-in
//! that mints one for a user name. The sign-in exists only here: it is not an operation
//! of `api/openapi.yaml` and no Lambda serves it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Request};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use bytes::Bytes;
use http::{header, HeaderValue, StatusCode};
use mambogo::api::auth::mint_token;
use mambogo::api::{ApiError, ApiResponse};
use serde::Deserialize;
use serde_json::json;

use crate::connections::read_body;
use crate::responses::{method_not_allowed, to_http};
use time::{Duration, OffsetDateTime};

/// The files of `web/`: read from the folder in debug builds, so that a page edited
/// shows on reload, and built into the binary in release builds.
#[derive(rust_embed::Embed)]
#[folder = "../web/"]
#[exclude = "README.md"]
struct WebFiles;

/// How long a development sign-in lasts.
const SIGN_IN_LIFETIME: Duration = Duration::hours(12);
/// The longest user name the development sign-in takes.
const MOST_USER_LETTERS: usize = 64;
/// The largest sign-in body read.
const MOST_SIGN_IN_BYTES: usize = 1_024;

/// The policy every page is served with: everything from the shop itself.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

/// The storefront's routes. `dev_secret` is the secret of the shop's development
/// tokens; without one (tokens checked against a key set) there is no sign-in here. A
/// sign-in's body must arrive within `read_timeout`.
pub fn routes(dev_secret: Option<String>, read_timeout: std::time::Duration) -> Router {
    let config = json!({
        "apiBase": "",
        "signIn": if dev_secret.is_some() { "development" } else { "none" },
    })
    .to_string();
    // Made once; each answer shares its bytes.
    let config = Bytes::from(config);
    let mut router =
        Router::new()
            .route(
                "/",
                get(|| async { page("index.html") }).fallback(method_not_allowed),
            )
            .route(
                "/assets/config.json",
                get(move || {
                    let config = config.clone();
                    async move {
                        with_security_headers(file_response(config.into(), "application/json"))
                    }
                })
                .fallback(method_not_allowed),
            )
            .route(
                "/assets/{*path}",
                get(|Path(path): Path<String>| async move { page(&path) })
                    .fallback(method_not_allowed),
            );
    if let Some(secret) = dev_secret {
        let secret: Arc<str> = secret.into();
        router = router.route(
            "/dev/sign-in",
            post(move |request: Request| sign_in(Arc::clone(&secret), read_timeout, request))
                .fallback(method_not_allowed),
        );
    }
    router
}

fn page(path: &str) -> Response {
    match WebFiles::get(path) {
        Some(file) => {
            let mime = mime_guess::from_path(path).first_or_octet_stream();
            with_security_headers(file_response(Body::from(file.data), mime.as_ref()))
        }
        None => to_http(ApiError::NotFound(format!("no page {path}")).into_response()),
    }
}

fn file_response(body: Body, content_type: &str) -> Response {
    let mut response = Response::new(body);
    if let Ok(value) = HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn with_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// What the development sign-in reads.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    user: String,
    #[serde(default)]
    admin: bool,
}

/// Mints a development token for the user named in the body: letters, digits, `.`, `_`
/// and `-`, up to 64.
async fn sign_in(
    secret: Arc<str>,
    read_timeout: std::time::Duration,
    request: Request,
) -> Response {
    let body = match read_body(request.into_body(), MOST_SIGN_IN_BYTES, read_timeout).await {
        Ok(body) => body,
        Err(refusal) => return to_http(refusal.into_response()),
    };
    let signing_in: SignIn = match serde_json::from_slice(&body) {
        Ok(signing_in) => signing_in,
        Err(error) => {
            return to_http(ApiError::malformed("body", error.to_string()).into_response())
        }
    };
    let user = signing_in.user.trim();
    let fits = !user.is_empty()
        && user.chars().count() <= MOST_USER_LETTERS
        && user
            .chars()
            .all(|letter| letter.is_ascii_alphanumeric() || matches!(letter, '.' | '_' | '-'));
    if !fits {
        return to_http(
            ApiError::invalid(
                "user",
                "a user name is 1 to 64 letters, digits, '.', '_' or '-'",
            )
            .into_response(),
        );
    }
    let now = OffsetDateTime::now_utc();
    match mint_token(
        secret.as_bytes(),
        user,
        signing_in.admin,
        now,
        SIGN_IN_LIFETIME,
    ) {
        Ok(token) => to_http(ApiResponse::json(
            StatusCode::OK,
            &json!({
                "token": token,
                "user": user,
                "admin": signing_in.admin,
                "expiresAt": (now + SIGN_IN_LIFETIME).unix_timestamp(),
            }),
        )),
        Err(error) => {
            to_http(ApiError::Unavailable(format!("cannot mint a token: {error}")).into_response())
        }
    }
}
