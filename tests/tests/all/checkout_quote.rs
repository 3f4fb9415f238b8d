//! `POST /checkout/quote` and checking out with its `quoteId`: the price lock, what voids
//! it, the flags on changed lines, and sale prices that start and end on schedule.

use std::sync::Arc;

use mambogo::domain::clock::{Clock, ManualClock};
use mambogo_local::{LocalConfig, TestHooks};
use mambogo_tests::checkout::{
    assert_consistent, available, checkout_body, checkout_with, fill_cart, order_id, saga_finished,
    set_on_hand, shipping_address,
};
use mambogo_tests::shop::{token, As, Reply, TestShop};
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

const SKU: &str = "QUOTE-1";

/// A shop on a clock the test moves, selling `SKU` at 40.00 with 10 units.
async fn shop_with_clock() -> (TestShop, Arc<ManualClock>, String) {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let hooks = TestHooks {
        clock: Some(clock.clone() as Arc<dyn Clock>),
        ..TestHooks::default()
    };
    let shop = TestShop::start_with(LocalConfig::ephemeral(), hooks).await;
    let admin = token("ops", true);
    let created = shop
        .post("/admin/products", As::user(&admin), &draft(4_000, None))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let product = created.body["id"].as_str().unwrap().to_owned();
    (shop, clock, product)
}

fn draft(price: i64, sale: Option<(i64, OffsetDateTime)>) -> Value {
    let mut variant = json!({
        "sku": SKU, "name": "Black", "price": {"amount": price, "currency": "USD"}, "stock": 10,
    });
    if let Some((sale_price, starts)) = sale {
        variant["salePrice"] = json!({"amount": sale_price, "currency": "USD"});
        variant["saleStartsAt"] = json!(starts.format(&Rfc3339).unwrap());
    }
    json!({"name": "Quote Speaker", "brand": "Sonora", "categoryId": "audio", "variants": [variant]})
}

async fn reprice(shop: &TestShop, product: &str, draft: &Value) {
    let path = format!("/admin/products/{product}");
    let updated = shop.put(&path, As::user(&token("ops", true)), draft).await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
}

async fn quote(shop: &TestShop, shopper: &str) -> Reply {
    shop.post(
        "/checkout/quote",
        As::user(shopper),
        &json!({"shippingAddress": shipping_address()}),
    )
    .await
}

fn with_quote(quote: &Reply) -> Value {
    let mut body = checkout_body("tok_approve");
    body["quoteId"] = quote.body["quoteId"].clone();
    body
}

fn amount(totals: &Value, part: &str) -> i64 {
    totals[part]["amount"].as_i64().unwrap()
}

#[tokio::test]
async fn checkout_with_a_quote_charges_exactly_the_quoted_totals() {
    let (shop, clock, product) = shop_with_clock().await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 2)]).await;

    let quoted = quote(&shop, &alice).await;
    assert_eq!(quoted.status, StatusCode::OK, "{:?}", quoted.body);
    let totals = quoted.body["totals"].clone();
    assert_eq!(amount(&totals, "subtotal"), 8_000);
    assert_eq!(amount(&totals, "shipping"), 0, "free from 50.00");
    assert_eq!(amount(&totals, "tax"), 640);
    assert_eq!(amount(&totals, "total"), 8_640);
    let until = OffsetDateTime::parse(
        quoted.body["priceGuaranteedUntil"].as_str().unwrap(),
        &Rfc3339,
    )
    .unwrap();
    assert_eq!(
        until.unix_timestamp(),
        (clock.now() + Duration::minutes(15)).unix_timestamp()
    );
    assert_eq!(quoted.body["lines"][0]["priceChanged"], false);

    reprice(&shop, &product, &draft(5_000, None)).await;
    clock.advance(Duration::minutes(14));
    let accepted = checkout_with(&shop, &alice, "key-1", &with_quote(&quoted)).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    assert_eq!(
        accepted.body["totals"], totals,
        "the quoted totals, not today's"
    );
    assert_eq!(accepted.body["lines"][0]["unitPrice"]["amount"], 4_000);
    saga_finished(&shop, &order_id(&accepted)).await;
    assert_consistent(&shop).await;
}

#[tokio::test]
async fn an_expired_quote_or_a_changed_cart_answers_409_with_the_new_totals_and_reserves_nothing() {
    let (shop, clock, product) = shop_with_clock().await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let before = available(&shop, SKU).await;

    let stale = quote(&shop, &alice).await;
    reprice(&shop, &product, &draft(5_000, None)).await;
    clock.advance(Duration::minutes(15));
    let expired = checkout_with(&shop, &alice, "expired", &with_quote(&stale)).await;
    assert_eq!(expired.status, StatusCode::CONFLICT, "{:?}", expired.body);
    assert_eq!(amount(&expired.body["totals"], "subtotal"), 5_000);
    assert_eq!(available(&shop, SKU).await, before, "nothing reserved");

    let fresh = quote(&shop, &alice).await;
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let changed = checkout_with(&shop, &alice, "changed", &with_quote(&fresh)).await;
    assert_eq!(changed.status, StatusCode::CONFLICT, "{:?}", changed.body);
    assert_eq!(amount(&changed.body["totals"], "subtotal"), 10_000);
    assert_eq!(available(&shop, SKU).await, before, "nothing reserved");

    let bob = token("bob", false);
    fill_cart(&shop, &bob, &[(SKU, 1)]).await;
    let foreign = checkout_with(
        &shop,
        &bob,
        "foreign",
        &with_quote(&quote(&shop, &alice).await),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(foreign.problem_fields(), ["quoteId"]);
    let mut forged = checkout_body("tok_approve");
    forged["quoteId"] = json!("not.a.quote");
    let forged = checkout_with(&shop, &alice, "forged", &forged).await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(forged.problem_fields(), ["quoteId"]);
    assert_eq!(available(&shop, SKU).await, before, "nothing reserved");
    assert_consistent(&shop).await;
}

#[tokio::test]
async fn a_quote_flags_what_changed_and_needs_an_address() {
    let (shop, _clock, product) = shop_with_clock().await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 2), ("MB-0002-BLK", 1)]).await;
    reprice(&shop, &product, &draft(4_500, None)).await;
    set_on_hand(&shop, SKU, 1).await;

    let quoted = quote(&shop, &alice).await;
    assert_eq!(quoted.status, StatusCode::OK, "{:?}", quoted.body);
    let line = &quoted.body["lines"][0];
    assert_eq!(line["priceChanged"], true);
    assert_eq!(line["priceWhenAdded"]["amount"], 4_000);
    assert_eq!(line["unitPrice"]["amount"], 4_500);
    assert_eq!(line["insufficientStock"], true);
    assert_eq!(line["unavailable"], false);
    assert_eq!(quoted.body["lines"][1]["insufficientStock"], false);

    let mut withdrawn = draft(4_500, None);
    withdrawn["active"] = json!(false);
    reprice(&shop, &product, &withdrawn).await;
    let quoted = quote(&shop, &alice).await;
    assert_eq!(quoted.body["lines"][0]["unavailable"], true);
    let other_line = quoted.body["lines"][1]["lineTotal"].clone();
    assert_eq!(
        quoted.body["totals"]["subtotal"], other_line,
        "an unavailable line is left out"
    );

    let no_address = shop
        .post("/checkout/quote", As::user(&alice), &json!({}))
        .await;
    assert_eq!(no_address.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_address.problem_fields(), ["shippingAddress"]);
    let empty = quote(&shop, &token("carol", false)).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.problem_fields(), ["cart"]);

    for (body, field) in [
        (
            json!({"shippingAddress": shipping_address(), "giftWrap": true}),
            "giftWrap",
        ),
        (
            json!({"shippingAddressId": "not-a-uuid"}),
            "shippingAddressId",
        ),
        (
            json!({"shippingAddress": shipping_address(), "couponCode": 10}),
            "couponCode",
        ),
    ] {
        let malformed = shop.post("/checkout/quote", As::user(&alice), &body).await;
        assert_eq!(malformed.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            malformed.problem_fields()[0].contains(field),
            "{body}: {:?}",
            malformed.body
        );
    }
    let anonymous = shop
        .post(
            "/checkout/quote",
            As::default(),
            &json!({"shippingAddress": shipping_address()}),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_scheduled_sale_price_applies_from_its_start() {
    let (shop, clock, product) = shop_with_clock().await;
    let starts = clock.now() + Duration::hours(1);
    reprice(&shop, &product, &draft(4_000, Some((3_000, starts)))).await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let before = quote(&shop, &alice).await;
    assert_eq!(before.body["lines"][0]["unitPrice"]["amount"], 4_000);
    let listed = shop.get("/products?q=quote", As::default()).await;
    assert_eq!(listed.body["items"][0]["onSale"], false);

    clock.advance(Duration::hours(1));
    let during = quote(&shop, &alice).await;
    assert_eq!(during.body["lines"][0]["unitPrice"]["amount"], 3_000);
    assert_eq!(during.body["lines"][0]["priceChanged"], true);
    let listed = shop.get("/products?q=quote", As::default()).await;
    assert_eq!(listed.body["items"][0]["onSale"], true);
    assert_eq!(listed.body["items"][0]["price"]["amount"], 3_000);
    let accepted = checkout_with(&shop, &alice, "sale", &checkout_body("tok_approve")).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    assert_eq!(accepted.body["lines"][0]["unitPrice"]["amount"], 3_000);
}
