//! The storefront over HTTP: its pages at `/` beside an unchanged API, every asset the
//! page names served with the shop's security headers, its runtime configuration, and
//! the development sign-in, whose tokens the API accepts and which exists only while the
//! shop signs its own tokens. The pages themselves are driven in Chromium by
//! `tests/browser/journey.mjs`.

use mambogo_local::{LocalConfig, TokenConfig};
use mambogo_tests::shop::{As, TestShop};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn fetch(shop: &TestShop, path: &str) -> reqwest::Response {
    reqwest::get(format!("{}{path}", shop.url()))
        .await
        .expect("the shop answers")
}

/// The `assets/…` addresses `html` loads, from its `src` and `href` attributes.
fn assets_named(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            let value = rest.split('"').next().unwrap_or_default();
            if value.starts_with("assets/") {
                found.push(value.to_owned());
            }
        }
    }
    found
}

#[tokio::test]
async fn the_pages_are_served_at_the_root_with_every_asset_they_load() {
    let shop = TestShop::start().await;
    let index = fetch(&shop, "/").await;
    assert_eq!(index.status(), StatusCode::OK);
    let headers = index.headers().clone();
    assert_eq!(headers["content-type"], "text/html");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'self'"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let html = index.text().await.unwrap();
    let assets = assets_named(&html);
    assert!(
        !assets.is_empty(),
        "the page loads its script and style: {html}"
    );
    for asset in assets {
        let served = fetch(&shop, &format!("/{asset}")).await;
        assert_eq!(served.status(), StatusCode::OK, "{asset}");
        assert!(
            served.headers().contains_key("content-security-policy"),
            "{asset}"
        );
    }
    let products = shop.get("/products?limit=1", As::default()).await;
    assert_eq!(products.status, StatusCode::OK, "the API is where it was");
    assert!(products.body["items"].is_array());
    shop.stop().await;
}

#[tokio::test]
async fn the_page_learns_where_the_api_is_and_how_to_sign_in() {
    let shop = TestShop::start().await;
    let config: Value = fetch(&shop, "/assets/config.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(config, json!({"apiBase": "", "signIn": "development"}));
    shop.stop().await;
}

#[tokio::test]
async fn what_is_not_a_page_is_a_problem() {
    let shop = TestShop::start().await;
    for path in [
        "/assets/nothing-here.js",
        "/assets/%2e%2e/Cargo.toml",
        "/assets/..%2f..%2fCargo.toml",
    ] {
        let missing = shop.get(path, As::default()).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{path}");
    }
    let posted = shop.post("/", As::default(), &json!({})).await;
    assert_eq!(posted.status, StatusCode::METHOD_NOT_ALLOWED);
    shop.stop().await;
}

#[tokio::test]
async fn a_development_sign_in_mints_a_token_the_api_accepts() {
    let shop = TestShop::start().await;
    let signed_in = shop
        .post("/dev/sign-in", As::default(), &json!({"user": "ada"}))
        .await;
    assert_eq!(signed_in.status, StatusCode::OK, "{:?}", signed_in.body);
    assert_eq!(signed_in.body["user"], "ada");
    let token = signed_in.body["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let orders = shop.get("/orders", As::user(&token)).await;
    assert_eq!(orders.status, StatusCode::OK, "{:?}", orders.body);
    let refused = shop
        .get("/admin/orders?status=CONFIRMED", As::user(&token))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let operator = shop
        .post(
            "/dev/sign-in",
            As::default(),
            &json!({"user": "ops", "admin": true}),
        )
        .await;
    let admin = operator.body["token"].as_str().expect("a token").to_owned();
    let listed = shop
        .get("/admin/orders?status=CONFIRMED", As::user(&admin))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    shop.stop().await;
}

#[tokio::test]
async fn a_sign_in_with_a_bad_name_is_refused_beside_the_name() {
    let shop = TestShop::start().await;
    let too_long = "a".repeat(65);
    for user in [
        "",
        "  ",
        "ada lovelace",
        "<script>",
        too_long.as_str(),
        "ädä",
    ] {
        let refused = shop
            .post("/dev/sign-in", As::default(), &json!({"user": user}))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{user:?}");
        assert_eq!(refused.problem_fields(), ["user"], "{user:?}");
    }
    for body in [
        r#"{"user": 5}"#,
        r#"{"user": "ada", "role": "admin"}"#,
        "not json",
    ] {
        let refused = shop
            .send(
                reqwest::Method::POST,
                "/dev/sign-in",
                As::default(),
                Some(body),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}");
    }
    let huge = json!({"user": "a".repeat(2_000)}).to_string();
    let refused = shop
        .send(
            reqwest::Method::POST,
            "/dev/sign-in",
            As::default(),
            Some(&huge),
        )
        .await;
    assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE);
    shop.stop().await;
}

#[tokio::test]
async fn a_shop_checking_tokens_against_a_key_set_offers_no_sign_in() {
    let mut config = LocalConfig::ephemeral();
    config.tokens = TokenConfig::KeySet {
        jwks_json: r#"{"keys": []}"#.to_owned(),
        issuer: Some("https://issuer.example".to_owned()),
        audience: Some("shop".to_owned()),
    };
    let shop = TestShop::start_with(config, mambogo_local::TestHooks::default()).await;
    let refused = shop
        .post("/dev/sign-in", As::default(), &json!({"user": "ada"}))
        .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let config: Value = fetch(&shop, "/assets/config.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(config["signIn"], "none");
    shop.stop().await;
}
