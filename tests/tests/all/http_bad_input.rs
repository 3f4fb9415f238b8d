//! Bad input gets a clear 4xx problem+json answer that names the field, and changes nothing.

use mambogo_tests::shop::{expired_token, forged_token, token, As, TestShop};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn guest_cart(shop: &TestShop) -> (String, Value) {
    let added = shop
        .post(
            "/cart/items",
            As::default(),
            &json!({"sku": "MB-0002-BLK", "quantity": 2}),
        )
        .await;
    (added.header("x-cart-id").unwrap().to_owned(), added.body)
}

#[tokio::test]
async fn bad_cart_requests_name_the_field_and_change_nothing() {
    let shop = TestShop::start().await;
    let (cart_id, before) = guest_cart(&shop).await;
    let who = As::guest(&cart_id);
    let cases: [(&str, StatusCode, &str); 7] = [
        (
            r#"{"sku": "MB-0002-BLK", "quantity": 0}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantity",
        ),
        (
            r#"{"sku": "MB-0002-BLK", "quantity": 51}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantity",
        ),
        (
            r#"{"sku": "MB-0002-BLK", "quantity": 49}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantity",
        ),
        (
            r#"{"sku": "MB-0002-BLK"}"#,
            StatusCode::BAD_REQUEST,
            "quantity",
        ),
        (
            r#"{"sku": "lower-case", "quantity": 1}"#,
            StatusCode::BAD_REQUEST,
            "sku",
        ),
        (
            r#"{"sku": "NO-SUCH-SKU", "quantity": 1}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "sku",
        ),
        (
            r#"{"sku": "MB-0002-BLK", "quantity": 1"#,
            StatusCode::BAD_REQUEST,
            "body",
        ),
    ];
    for (body, status, field) in cases {
        let reply = shop
            .send(Method::POST, "/cart/items", who.clone(), Some(body))
            .await;
        assert_eq!(reply.status, status, "{body}");
        assert_eq!(reply.problem_fields(), [field], "{body}");
    }
    let bad_item = shop
        .put(
            "/cart/items/not-a-uuid",
            who.clone(),
            &json!({"quantity": 1}),
        )
        .await;
    assert_eq!(bad_item.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_item.problem_fields(), ["itemId"]);
    let unknown_item = shop
        .put(
            "/cart/items/00000000-0000-4000-8000-000000000000",
            who.clone(),
            &json!({"quantity": 1}),
        )
        .await;
    assert_eq!(unknown_item.status, StatusCode::NOT_FOUND);
    let bad_cart = shop.get("/cart", As::guest("not-a-cart")).await;
    assert_eq!(bad_cart.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_cart.problem_fields(), ["X-Cart-Id"]);

    let after = shop.get("/cart", who).await;
    assert_eq!(after.body, before, "no refused request changed the cart");
    shop.stop().await;
}

#[tokio::test]
async fn the_hundred_and_first_line_is_refused() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    for number in 1..=100 {
        let sku = format!("MB-{number:04}-BLK");
        let reply = shop
            .post(
                "/cart/items",
                As::user(&alice),
                &json!({"sku": sku, "quantity": 1}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{sku}");
    }
    let refused = shop
        .post(
            "/cart/items",
            As::user(&alice),
            &json!({"sku": "MB-0101-BLK", "quantity": 1}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.problem_fields(), ["sku"]);
    let cart = shop.get("/cart", As::user(&alice)).await;
    assert_eq!(cart.body["lines"].as_array().unwrap().len(), 100);
    shop.stop().await;
}

#[tokio::test]
async fn oversize_and_non_json_bodies_are_refused() {
    let shop = TestShop::start().await;
    let (cart_id, before) = guest_cart(&shop).await;
    let huge = format!(
        r#"{{"sku": "MB-0002-BLK", "quantity": 1, "pad": "{}"}}"#,
        "x".repeat(70 * 1024)
    );
    let reply = shop
        .send(
            Method::POST,
            "/cart/items",
            As::guest(&cart_id),
            Some(&huge),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);

    let client = reqwest::Client::new();
    let form = client
        .post(format!("{}/cart/items", shop.url()))
        .header("x-cart-id", &cart_id)
        .header("content-type", "text/plain")
        .body("sku=MB-0002-BLK")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(shop.get("/cart", As::guest(&cart_id)).await.body, before);
    shop.stop().await;
}

#[tokio::test]
async fn bad_expired_and_forged_tokens_are_refused() {
    let shop = TestShop::start().await;
    let valid = token("alice", false);
    let forged = forged_token("alice");
    let expired = expired_token("alice");
    for bad in ["garbage", expired.as_str(), forged.as_str()] {
        let reply = shop.get("/cart", As::user(bad)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
        let write = shop
            .post(
                "/cart/items",
                As::user(bad),
                &json!({"sku": "MB-0002-BLK", "quantity": 1}),
            )
            .await;
        assert_eq!(write.status, StatusCode::UNAUTHORIZED);
    }
    let expired_reply = shop.get("/cart", As::user(&expired)).await;
    assert!(expired_reply.body["detail"]
        .as_str()
        .unwrap()
        .contains("expired"));
    let cart = shop.get("/cart", As::user(&valid)).await;
    assert_eq!(
        cart.body["lines"],
        json!([]),
        "no refused request created a cart"
    );
    shop.stop().await;
}

#[tokio::test]
async fn unknown_query_parameters_and_bad_values_are_named() {
    let shop = TestShop::start().await;
    let reply = shop
        .get(
            "/products?limit=101&sort=cheap&minPrice=-1&colour=red",
            As::default(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let mut fields = reply.problem_fields();
    fields.sort();
    assert_eq!(fields, ["colour", "limit", "minPrice", "sort"]);
    shop.stop().await;
}
