//! What an outside security pass found, each kept closed: tokens without the configured
//! issuer or audience, webhook signatures that cost CPU or panic, connections that never
//! finish sending, categories too deep to show, whole numbers written as floats, unknown
//! query parameters, unreadable header values, and refusals from the HTTP layer itself,
//! every one a problem+json answer.

use std::time::Duration;

use jsonwebtoken::{encode, EncodingKey, Header};
use mambogo::api::auth::{Claims, DEV_AUDIENCE, DEV_ISSUER};
use mambogo_local::{LocalConfig, TestHooks, DEV_JWT_SECRET, MAX_HEADER_FIELDS, MAX_TARGET_BYTES};
use mambogo_tests::checkout::{deliver_webhook, signed_webhook};
use mambogo_tests::shop::{token, As, TestShop};
use reqwest::{Method, StatusCode};
use serde_json::json;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for an answer before calling the shop stuck: far longer than
/// the short read timeout the slow-client tests configure.
const STUCK: Duration = Duration::from_secs(20);

fn signed_without(issuer: bool, audience: bool) -> String {
    let claims = Claims {
        sub: "mallory".to_owned(),
        exp: (OffsetDateTime::now_utc() + time::Duration::hours(1)).unix_timestamp(),
        iss: issuer.then(|| DEV_ISSUER.to_owned()),
        aud: audience.then(|| DEV_AUDIENCE.to_owned()),
        groups: vec!["admin".to_owned()],
        cognito_groups: Vec::new(),
        email: None,
        email_verified: None,
    };
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(DEV_JWT_SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn tokens_must_carry_the_configured_issuer_and_audience() {
    let shop = TestShop::start().await;
    let complete = signed_without(true, true);
    assert_eq!(
        shop.get("/cart", As::user(&complete)).await.status,
        StatusCode::OK
    );
    for lacking in [signed_without(true, false), signed_without(false, true)] {
        assert_eq!(
            shop.get("/cart", As::user(&lacking)).await.status,
            StatusCode::UNAUTHORIZED,
            "an optional-auth route"
        );
        assert_eq!(
            shop.get("/admin/reconciliation", As::user(&lacking))
                .await
                .status,
            StatusCode::UNAUTHORIZED,
            "an admin route"
        );
    }
    shop.stop().await;
}

#[tokio::test]
async fn webhook_signatures_are_capped_and_extreme_timestamps_are_stale() {
    let shop = TestShop::start().await;
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let event = json!({"id": "evt_1", "type": "payment.captured"});
    let (body, signature) = signed_webhook(&event, now);
    let entry = signature.split_once(',').unwrap().1;
    let flood = format!("t={now}{}", format!(",{entry}").repeat(150));
    let refused = deliver_webhook(&shop, &body, &flood).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("more than four"),
        "{:?}",
        refused.body
    );
    for timestamp in [i64::MIN, i64::MAX] {
        let extreme = format!("t={timestamp},{entry}");
        let refused = deliver_webhook(&shop, &body, &extreme).await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "t={timestamp}");
    }
    shop.stop().await;
}

async fn slow_shop() -> TestShop {
    let config = LocalConfig {
        read_timeout: Duration::from_millis(300),
        ..LocalConfig::ephemeral()
    };
    TestShop::start_with(config, TestHooks::default()).await
}

/// Sends `bytes` on a fresh connection and reads until the shop closes it.
async fn raw_exchange(shop: &TestShop, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(shop.inner().address).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(STUCK, stream.read_to_end(&mut answer))
        .await
        .expect("the shop closes a connection that stopped sending")
        .unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_head_that_never_ends_is_disconnected() {
    let shop = slow_shop().await;
    raw_exchange(
        &shop,
        b"GET /products HTTP/1.1\r\nHost: shop\r\nX-Slow: 1\r\n",
    )
    .await;
    shop.stop().await;
}

#[tokio::test]
async fn a_body_shorter_than_declared_is_answered_408() {
    let shop = slow_shop().await;
    let answer = raw_exchange(
        &shop,
        b"POST /cart/items HTTP/1.1\r\nHost: shop\r\nConnection: close\r\n\
          Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("did not arrive"), "{answer}");
    shop.stop().await;
}

#[tokio::test]
async fn the_http_layer_refuses_with_problem_json() {
    let shop = TestShop::start().await;
    let long = format!("/products?q={}", "a".repeat(MAX_TARGET_BYTES));
    let too_long = shop.get(&long, As::default()).await;
    assert_eq!(too_long.status, StatusCode::URI_TOO_LONG);

    let names: Vec<String> = (0..=MAX_HEADER_FIELDS)
        .map(|n| format!("x-h-{n}"))
        .collect();
    let many: Vec<(&str, &str)> = names.iter().map(|name| (name.as_str(), "1")).collect();
    let too_many = shop
        .send_with_headers(Method::GET, "/products", As::default(), &many, None)
        .await;
    assert_eq!(too_many.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);

    let large = "a".repeat(20 * 1024);
    let too_large = shop
        .send_with_headers(
            Method::GET,
            "/products",
            As::default(),
            &[("x-large", &large)],
            None,
        )
        .await;
    assert_eq!(
        too_large.status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE
    );

    // What hyper refuses before the shop sees it: a request line it cannot parse, first
    // on a connection or after a request served on it, and a head past hyper's own limit.
    let huge_head = format!(
        "GET /products HTTP/1.1\r\nHost: shop\r\nX-Huge: {}\r\n\r\n",
        "a".repeat(512 * 1024)
    );
    for (bytes, status) in [
        (b"GARBAGE\r\n\r\n".to_vec(), 400),
        (
            b"GET /products HTTP/1.1\r\nHost: shop\r\n\r\nNOT A REQUEST LINE\r\n\r\n".to_vec(),
            400,
        ),
        (huge_head.into_bytes(), 431),
    ] {
        let answer = raw_exchange(&shop, &bytes).await;
        let last = answer
            .rfind("HTTP/1.1 ")
            .map_or(answer.as_str(), |at| &answer[at..]);
        let (head, body) = last.split_once("\r\n\r\n").unwrap_or((last, ""));
        assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
        assert!(head.contains("application/problem+json"), "{head}");
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"], status, "{body}");
    }
    shop.stop().await;
}

#[tokio::test]
async fn categories_deeper_than_sixteen_levels_are_refused() {
    let shop = TestShop::start().await;
    let admin = token("ops", true);
    let mut parent: Option<String> = None;
    for level in 1..=16 {
        let id = format!("deep-{level}");
        let mut body = json!({"name": format!("Level {level}")});
        if let Some(parent) = &parent {
            body["parentId"] = json!(parent);
        }
        let put = shop
            .put(&format!("/admin/categories/{id}"), As::user(&admin), &body)
            .await;
        assert_eq!(put.status, StatusCode::OK, "level {level}: {:?}", put.body);
        parent = Some(id);
    }
    let too_deep = shop
        .put(
            "/admin/categories/deep-17",
            As::user(&admin),
            &json!({"name": "Level 17", "parentId": "deep-16"}),
        )
        .await;
    assert_eq!(too_deep.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_deep.problem_fields(), ["parentId"]);

    let tree = shop.get("/categories", As::default()).await.body;
    let mut node = tree["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| node["id"] == "deep-1")
        .unwrap()
        .clone();
    for level in 2..=16 {
        node = node["children"][0].clone();
        assert_eq!(node["id"], format!("deep-{level}"), "every level is shown");
    }
    shop.stop().await;
}

#[tokio::test]
async fn whole_numbers_written_as_floats_are_integers() {
    let shop = TestShop::start().await;
    let admin = token("ops", true);
    let set = shop
        .send(
            Method::PUT,
            "/admin/inventory/MB-0002-BLK",
            As::user(&admin),
            Some(r#"{"onHand": 5.0}"#),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:?}", set.body);
    assert_eq!(set.body["onHand"], 5);
    for refused in [r#"{"onHand": 5.5}"#, r#"{"onHand": 1e300}"#] {
        let reply = shop
            .send(
                Method::PUT,
                "/admin/inventory/MB-0002-BLK",
                As::user(&admin),
                Some(refused),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(reply.problem_fields(), ["onHand"], "{refused}");
    }
    let twice = shop
        .send(
            Method::PUT,
            "/admin/inventory/MB-0002-BLK",
            As::user(&admin),
            Some(r#"{"onHand": 7, "onHand": 9}"#),
        )
        .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    shop.stop().await;
}

#[tokio::test]
async fn unknown_query_parameters_are_refused_on_the_operator_listings() {
    let shop = TestShop::start().await;
    let admin = token("ops", true);
    for (path, field) in [
        ("/admin/reconciliation?verbose=1", "verbose"),
        ("/admin/reconciliation?cursor=abc", "cursor"),
        ("/admin/dead-letters?consumer=x", "consumer"),
    ] {
        let reply = shop.get(path, As::user(&admin)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(reply.problem_fields(), [field], "{path}");
    }
    for path in [
        "/admin/reconciliation?limit=5",
        "/admin/dead-letters?limit=5",
    ] {
        assert_eq!(
            shop.get(path, As::user(&admin)).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    shop.stop().await;
}

#[tokio::test]
async fn a_header_value_that_is_not_ascii_is_refused_not_ignored() {
    let shop = TestShop::start().await;
    let reply = shop
        .send_with_headers(
            Method::GET,
            "/cart",
            As::default(),
            &[("x-cart-id", "caf\u{e9}")],
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.problem_fields(), ["X-Cart-Id"]);
    shop.stop().await;
}
