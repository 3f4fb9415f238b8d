//! Where an order goes and how it is paid: the shipping and billing addresses a checkout
//! requires and checks, the payment method, and the parcel shipped to the order's copy.

use mambogo_tests::checkout::{
    assert_consistent, available, checkout_body, checkout_with, fill_cart, order, order_id,
    saga_finished,
};
use mambogo_tests::shop::{token, As, TestShop};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::order_lifecycle::advance_to;

const SKU: &str = "MB-0002-BLK";

#[tokio::test]
async fn an_order_keeps_its_addresses_and_payment_method_and_ships_to_its_address() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let mut body = checkout_body("tok_approve");
    body["paymentMethod"] = json!("PAYPAL");
    body["shippingAddress"] = json!({
        "name": "  Ada Lovelace ", "line1": "12 St James's Square", "line2": "",
        "city": "London", "postalCode": "sw1y4jh", "country": "gb",
    });
    body["billingAddress"] = json!({
        "name": "Ada Lovelace", "line1": "1 Rue de Rivoli", "city": "Paris",
        "postalCode": "75001", "country": "FR",
    });

    let accepted = checkout_with(&shop, &alice, "key-1", &body).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let id = order_id(&accepted);
    saga_finished(&shop, &id).await;
    let confirmed = order(&shop, &alice, &id).await;
    assert_eq!(confirmed["status"], "CONFIRMED");
    let kept = json!({
        "name": "Ada Lovelace", "line1": "12 St James's Square", "city": "London",
        "postalCode": "SW1Y 4JH", "country": "GB",
    });
    assert_eq!(confirmed["shippingAddress"], kept, "trimmed and tidied");
    assert_eq!(confirmed["billingAddress"]["city"], "Paris");
    assert_eq!(confirmed["paymentMethod"], "PAYPAL");
    assert_eq!(confirmed["payment"]["method"], "PAYPAL");

    let admin = token("ops", true);
    advance_to(&shop, &admin, &id, "SHIPPED").await;
    let shipped = order(&shop, &alice, &id).await;
    assert_eq!(shipped["shipment"]["shipTo"], kept);
    assert_consistent(&shop).await;
}

#[tokio::test]
async fn the_payment_method_is_card_unless_another_is_chosen() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let accepted = checkout_with(&shop, &alice, "key-1", &checkout_body("tok_approve")).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let id = order_id(&accepted);
    saga_finished(&shop, &id).await;
    let confirmed = order(&shop, &alice, &id).await;
    assert_eq!(confirmed["paymentMethod"], "CARD");
    assert_eq!(confirmed["payment"]["method"], "CARD");
    assert!(confirmed.get("billingAddress").is_none());
}

/// `POST /checkout` of `body`, expecting a 422 naming `fields` and no order.
async fn refused(shop: &TestShop, shopper: &str, key: &str, body: &Value, fields: &[&str]) {
    let reply = checkout_with(shop, shopper, key, body).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{body}: {:?}",
        reply.body
    );
    assert_eq!(reply.problem_fields(), fields, "{body}");
}

#[tokio::test]
async fn a_checkout_without_a_good_address_is_refused_naming_each_field_and_changes_nothing() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let before = available(&shop, SKU).await;

    let mut missing = checkout_body("tok_approve");
    missing.as_object_mut().unwrap().remove("shippingAddress");
    refused(&shop, &alice, "missing", &missing, &["shippingAddress"]).await;

    let mut wrong = checkout_body("tok_approve");
    wrong["shippingAddress"]["postalCode"] = json!("9410");
    wrong["shippingAddress"]["name"] = json!(" ");
    refused(
        &shop,
        &alice,
        "wrong",
        &wrong,
        &["shippingAddress.name", "shippingAddress.postalCode"],
    )
    .await;

    let mut unknown_country = checkout_body("tok_approve");
    unknown_country["billingAddress"] = json!({
        "name": "Bob", "line1": "1 Way", "city": "Nowhere", "postalCode": "1", "country": "QQ",
    });
    refused(
        &shop,
        &alice,
        "country",
        &unknown_country,
        &["billingAddress.country"],
    )
    .await;

    let mut bad_token_too = wrong.clone();
    bad_token_too["paymentToken"] = json!("card-4242");
    refused(
        &shop,
        &alice,
        "both",
        &bad_token_too,
        &[
            "paymentToken",
            "shippingAddress.name",
            "shippingAddress.postalCode",
        ],
    )
    .await;

    let mut cash = checkout_body("tok_approve");
    cash["paymentMethod"] = json!("CASH");
    let reply = checkout_with(&shop, &alice, "cash", &cash).await;
    assert!(reply.status.is_client_error(), "{:?}", reply.body);

    assert_eq!(available(&shop, SKU).await, before, "nothing reserved");
    let orders = shop.get("/orders", As::user(&alice)).await;
    assert_eq!(orders.body["items"], json!([]), "no order made");
    assert_consistent(&shop).await;
}
