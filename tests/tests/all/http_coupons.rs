//! Coupons over HTTP: operators create and deactivate them; quotes and checkouts take
//! them, refusing each unusable one naming why; redemptions are exact under concurrency
//! and given back when an order fails; a return refunds what was paid after the discount.

use std::sync::Arc;

use mambogo::domain::clock::{Clock, ManualClock};
use mambogo::domain::ids::OrderId;
use mambogo_local::{LocalConfig, TestHooks};
use mambogo_tests::checkout::{
    assert_consistent, checkout_body, checkout_with, fill_cart, order, order_id, published,
    saga_finished, shipping_address,
};
use mambogo_tests::shop::{token, As, Reply, TestShop};
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::order_lifecycle::{advance_to, ask_return};

/// A 12.00 tee and a 30.00 mug, 100 units each, in categories of their own.
async fn shop_with_products(clock: Option<Arc<ManualClock>>) -> TestShop {
    let hooks = TestHooks {
        clock: clock.map(|clock| clock as Arc<dyn Clock>),
        ..TestHooks::default()
    };
    let shop = TestShop::start_with(LocalConfig::ephemeral(), hooks).await;
    let admin = token("ops", true);
    for (category, name, sku, price) in [
        ("apparel", "Coupon Tee", "CPN-TEE", 1_200),
        ("kitchen", "Coupon Mug", "CPN-MUG", 3_000),
    ] {
        let path = format!("/admin/categories/{category}");
        let made = shop
            .put(&path, As::user(&admin), &json!({"name": category}))
            .await;
        assert!(made.status.is_success(), "{:?}", made.body);
        let product = json!({
            "name": name, "brand": "Sonora", "categoryId": category,
            "variants": [{"sku": sku, "name": "One", "stock": 100,
                          "price": {"amount": price, "currency": "USD"}}],
        });
        let created = shop
            .post("/admin/products", As::user(&admin), &product)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    }
    shop
}

async fn create_coupon(shop: &TestShop, body: Value) -> Reply {
    shop.post("/admin/coupons", As::user(&token("ops", true)), &body)
        .await
}

async fn coupon(shop: &TestShop, code: &str) -> Value {
    let path = format!("/admin/coupons/{code}");
    let reply = shop.get(&path, As::user(&token("ops", true))).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

fn with_coupon(code: &str) -> Value {
    let mut body = checkout_body("tok_approve");
    body["couponCode"] = json!(code);
    body
}

fn amount(value: &Value) -> i64 {
    value["amount"].as_i64().unwrap()
}

#[tokio::test]
async fn a_coupon_is_spread_over_the_lines_it_applies_to_and_counted_once() {
    let shop = shop_with_products(None).await;
    let created = create_coupon(
        &shop,
        json!({"code": "tee-25", "percentOff": 25, "appliesTo": {"categories": ["apparel"]}}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["code"], "TEE-25");
    assert_eq!(created.header("location"), Some("/admin/coupons/TEE-25"));

    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[("CPN-TEE", 3), ("CPN-MUG", 1)]).await;
    let quote = shop
        .post(
            "/checkout/quote",
            As::user(&alice),
            &json!({"shippingAddress": shipping_address(), "couponCode": "Tee-25"}),
        )
        .await;
    assert_eq!(quote.status, StatusCode::OK, "{:?}", quote.body);
    assert_eq!(quote.body["discounts"][0]["couponCode"], "TEE-25");
    assert_eq!(
        amount(&quote.body["discounts"][0]["amount"]),
        900,
        "25 % of 36.00"
    );

    let accepted = checkout_with(&shop, &alice, "key-1", &with_coupon("tee-25")).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let totals = &accepted.body["totals"];
    assert_eq!(totals, &quote.body["totals"]);
    assert_eq!(amount(&totals["subtotal"]), 6_600);
    assert_eq!(amount(&totals["discount"]), 900);
    assert_eq!(amount(&totals["shipping"]), 0, "57.00 of goods ships free");
    assert_eq!(amount(&totals["tax"]), 456, "8 % of 57.00");
    assert_eq!(amount(&totals["total"]), 5_700 + 456);
    let lines = accepted.body["lines"].as_array().unwrap();
    assert_eq!(
        amount(&lines[0]["discount"]),
        900,
        "the tee line takes it all"
    );
    assert!(lines[1].get("discount").is_none(), "the mug is not covered");

    let id = order_id(&accepted);
    saga_finished(&shop, &id).await;
    let placed = order(&shop, &alice, &id).await;
    assert_eq!(placed["couponCode"], "TEE-25");
    assert_eq!(placed["status"], "CONFIRMED");
    assert_eq!(published(&shop, "CouponRedeemed", &id), 1);
    assert_eq!(coupon(&shop, "tee-25").await["redemptions"], 1);

    let again = checkout_with(&shop, &alice, "key-1", &with_coupon("tee-25")).await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "a replay");
    assert_eq!(
        coupon(&shop, "TEE-25").await["redemptions"],
        1,
        "counted once"
    );
    assert_consistent(&shop).await;
}

#[tokio::test]
async fn fifty_checkouts_at_once_with_a_coupon_good_for_ten_give_exactly_ten_orders_it() {
    let shop = Arc::new(shop_with_products(None).await);
    let made = create_coupon(&shop, json!({"code": "TEN", "amountOff": {"amount": 500, "currency": "USD"}, "maxRedemptions": 10})).await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let shoppers: Vec<String> = (0..50)
        .map(|n| token(&format!("buyer-{n}"), false))
        .collect();
    for shopper in &shoppers {
        fill_cart(&shop, shopper, &[("CPN-MUG", 1)]).await;
    }
    let checkouts: Vec<_> = shoppers
        .iter()
        .map(|shopper| {
            let (shop, shopper) = (Arc::clone(&shop), shopper.clone());
            tokio::spawn(async move {
                checkout_with(&shop, &shopper, "storm", &with_coupon("TEN")).await
            })
        })
        .collect();
    let mut carrying = Vec::new();
    for checkout in checkouts {
        let reply = checkout.await.unwrap();
        match reply.status {
            StatusCode::ACCEPTED => carrying.push(order_id(&reply)),
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(reply.problem_fields(), ["couponCode"]);
            }
            other => panic!("{other}: {:?}", reply.body),
        }
    }
    assert_eq!(carrying.len(), 10, "exactly the coupon's maximum");
    for id in &carrying {
        saga_finished(&shop, id).await;
    }
    assert_eq!(coupon(&shop, "TEN").await["redemptions"], 10);
    assert_consistent(&shop).await;
}

#[tokio::test]
async fn a_declined_order_gives_its_coupon_back() {
    let shop = shop_with_products(None).await;
    create_coupon(
        &shop,
        json!({"code": "ONCE", "percentOff": 10, "perCustomerLimit": 1}),
    )
    .await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[("CPN-MUG", 1)]).await;
    let mut declined = with_coupon("ONCE");
    declined["paymentToken"] = json!("tok_decline");
    let accepted = checkout_with(&shop, &alice, "declined", &declined).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let id = order_id(&accepted);
    saga_finished(&shop, &id).await;
    assert_eq!(order(&shop, &alice, &id).await["status"], "CANCELLED");
    assert_eq!(coupon(&shop, "ONCE").await["redemptions"], 0);
    assert_eq!(published(&shop, "CouponReleased", &id), 1);

    let retry = checkout_with(&shop, &alice, "second-try", &with_coupon("ONCE")).await;
    assert_eq!(
        retry.status,
        StatusCode::ACCEPTED,
        "the shopper's one use came back: {:?}",
        retry.body
    );
    saga_finished(&shop, &order_id(&retry)).await;
    fill_cart(&shop, &alice, &[("CPN-MUG", 1)]).await;
    let twice = checkout_with(&shop, &alice, "third-try", &with_coupon("ONCE")).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.body["detail"]
        .as_str()
        .unwrap()
        .contains("as often as you may"));
    assert_consistent(&shop).await;
}

/// The 422 detail of a checkout with `code`, which must be refused naming `couponCode`.
async fn refusal(shop: &TestShop, shopper: &str, code: &str) -> String {
    let reply = checkout_with(
        shop,
        shopper,
        &format!(
            "refused-{}",
            code.replace(|c: char| !c.is_ascii_alphanumeric(), "")
        ),
        &with_coupon(code),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{code}: {:?}",
        reply.body
    );
    assert_eq!(reply.problem_fields(), ["couponCode"], "{code}");
    reply.body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_unusable_coupon_is_refused_naming_why_and_changes_nothing() {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let shop = shop_with_products(Some(Arc::clone(&clock))).await;
    let tomorrow = (clock.now() + Duration::days(1)).format(&Rfc3339).unwrap();
    let in_an_hour = (clock.now() + Duration::hours(1)).format(&Rfc3339).unwrap();
    for body in [
        json!({"code": "LATER", "percentOff": 10, "startsAt": tomorrow}),
        json!({"code": "SOON-OVER", "percentOff": 10, "endsAt": in_an_hour}),
        json!({"code": "PAUSED", "percentOff": 10}),
        json!({"code": "BIG-SPEND", "percentOff": 10, "minSubtotal": {"amount": 100000, "currency": "USD"}}),
        json!({"code": "TEE-ONLY", "percentOff": 10, "appliesTo": {"skus": ["CPN-TEE"]}}),
    ] {
        let made = create_coupon(&shop, body).await;
        assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    }
    let paused = shop
        .put(
            "/admin/coupons/paused",
            As::user(&token("ops", true)),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(paused.status, StatusCode::OK, "{:?}", paused.body);
    assert_eq!(paused.body["active"], false);
    clock.advance(Duration::hours(2));

    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[("CPN-MUG", 1)]).await;
    for (code, reason) in [
        ("NOPE", "no coupon has this code"),
        ("LATER", "not valid yet"),
        ("SOON-OVER", "expired"),
        ("PAUSED", "no longer active"),
        ("BIG-SPEND", "subtotal of at least 100000"),
        ("TEE-ONLY", "applies to nothing in the cart"),
        ("not a code!", "no coupon has this code"),
    ] {
        let message = refusal(&shop, &alice, code).await;
        assert!(message.contains(reason), "{code}: {message}");
    }
    let orders = shop.get("/orders", As::user(&alice)).await;
    assert_eq!(orders.body["items"], json!([]), "no order made");

    let admin = token("ops", true);
    let bad = create_coupon(&shop, json!({"code": "HALF", "percentOff": 150})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.problem_fields(), ["percentOff"]);
    let taken = create_coupon(&shop, json!({"code": "later", "percentOff": 5})).await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    let shopper = shop
        .post(
            "/admin/coupons",
            As::user(&alice),
            &json!({"code": "MINE", "percentOff": 90}),
        )
        .await;
    assert_eq!(shopper.status, StatusCode::FORBIDDEN);
    let missing = shop.get("/admin/coupons/NOPE", As::user(&admin)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unreadable = shop
        .put(
            "/admin/coupons/LATER",
            As::user(&admin),
            &json!({"active": "no"}),
        )
        .await;
    assert_eq!(unreadable.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        coupon(&shop, "LATER").await["active"],
        true,
        "nothing changed"
    );
}

#[tokio::test]
async fn a_return_refunds_what_was_paid_after_the_discount() {
    let shop = shop_with_products(None).await;
    create_coupon(
        &shop,
        json!({"code": "THIRD", "amountOff": {"amount": 1000, "currency": "USD"}}),
    )
    .await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[("CPN-MUG", 3)]).await;
    let accepted = checkout_with(&shop, &alice, "key-1", &with_coupon("THIRD")).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let id: OrderId = order_id(&accepted);
    saga_finished(&shop, &id).await;
    advance_to(&shop, &token("ops", true), &id, "DELIVERED").await;

    let asked = ask_return(
        &shop,
        &alice,
        &id,
        json!([{"sku": "CPN-MUG", "quantity": 1}]),
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK, "{:?}", asked.body);
    let refund = &asked.body["returnRequest"]["lines"][0]["amount"];
    assert_eq!(
        amount(refund),
        (9_000 - 1_000) / 3,
        "a third of what the line cost after 10.00 off"
    );
}
