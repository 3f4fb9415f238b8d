//! Steps the checkout tests share: filling a cart, checking out, waiting for the saga,
//! and the checks every checkout test ends with.

use mambogo::domain::ids::{OrderId, Sku};
use mambogo::domain::payments::signature::signature_header;
use mambogo_local::workflow::ExecutionView;
use mambogo_local::DEV_WEBHOOK_SECRET;
use reqwest::Method;
use serde_json::{json, Value};

use crate::contract::inventory::check_invariants;
use crate::events::assert_valid;
use crate::shop::{token, As, Reply, TestShop};

/// Puts `lines` (SKU, quantity) into the cart of the user holding `token`.
pub async fn fill_cart(shop: &TestShop, token: &str, lines: &[(&str, u32)]) {
    for (sku, quantity) in lines {
        let reply = shop
            .post(
                "/cart/items",
                As::user(token),
                &json!({"sku": sku, "quantity": quantity}),
            )
            .await;
        assert_eq!(reply.status.as_u16(), 200, "adding {sku}: {:?}", reply.body);
    }
}

/// The shipping address the checkout tests send.
pub fn shipping_address() -> Value {
    json!({
        "name": "Alice Example",
        "line1": "1 Market St",
        "city": "San Francisco",
        "region": "CA",
        "postalCode": "94105",
        "country": "US",
    })
}

/// The body of a checkout paying with `payment_token`, sent to [`shipping_address`].
pub fn checkout_body(payment_token: &str) -> Value {
    json!({"paymentToken": payment_token, "shippingAddress": shipping_address()})
}

/// `POST /checkout` of `body` with `key` as the Idempotency-Key.
pub async fn checkout_with(shop: &TestShop, token: &str, key: &str, body: &Value) -> Reply {
    shop.send_with_headers(
        Method::POST,
        "/checkout",
        As::user(token),
        &[("idempotency-key", key)],
        Some(&body.to_string()),
    )
    .await
}

/// `user`'s checkout of one unit of `MB-0002-BLK`, approved, sent with `headers` besides
/// its Idempotency-Key.
pub async fn traced_checkout(shop: &TestShop, user: &str, headers: &[(&str, &str)]) -> Reply {
    let token = token(user, false);
    fill_cart(shop, &token, &[("MB-0002-BLK", 1)]).await;
    let mut all = vec![("idempotency-key", "key-1")];
    all.extend_from_slice(headers);
    let body = checkout_body("tok_approve").to_string();
    shop.send_with_headers(
        Method::POST,
        "/checkout",
        As::user(&token),
        &all,
        Some(&body),
    )
    .await
}

/// `POST /checkout` with `key` as the Idempotency-Key.
pub async fn checkout(shop: &TestShop, token: &str, key: &str, payment_token: &str) -> Reply {
    checkout_with(shop, token, key, &checkout_body(payment_token)).await
}

/// The order id of an accepted (202) or refused-for-stock (409) checkout.
pub fn order_id(reply: &Reply) -> OrderId {
    OrderId::parse(
        reply.body["orderId"]
            .as_str()
            .expect("the reply names the order"),
    )
    .expect("a valid order id")
}

/// Waits, without polling, until the order's saga execution has ended.
pub async fn saga_finished(shop: &TestShop, order: &OrderId) -> ExecutionView {
    shop.inner()
        .runner
        .wait_until_finished(&order.to_string())
        .await
        .expect("the execution is readable")
}

/// `GET /orders/{id}` as the user holding `token`.
pub async fn order(shop: &TestShop, token: &str, order: &OrderId) -> Value {
    let reply = shop.get(&format!("/orders/{order}"), As::user(token)).await;
    assert_eq!(reply.status.as_u16(), 200, "{:?}", reply.body);
    reply.body
}

/// The statuses an order went through, from its history.
pub fn history(order: &Value) -> Vec<String> {
    order["history"]
        .as_array()
        .expect("an order has a history")
        .iter()
        .map(|change| change["to"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Sets `sku`'s stock on hand to `units` as an operator would, through the API.
pub async fn set_on_hand(shop: &TestShop, sku: &str, units: u32) {
    let admin = token("ops", true);
    let set = shop
        .put(
            &format!("/admin/inventory/{sku}"),
            As::user(&admin),
            &json!({ "onHand": units }),
        )
        .await;
    assert_eq!(set.status.as_u16(), 200, "{:?}", set.body);
}

/// Units available to sell of `sku`.
pub async fn available(shop: &TestShop, sku: &str) -> i64 {
    let sku = Sku::parse(sku).expect("a valid SKU");
    let levels = shop
        .inner()
        .services
        .inventory
        .stock_levels(std::slice::from_ref(&sku))
        .await
        .expect("stock levels are readable");
    levels.first().map_or(0, |level| level.available)
}

/// How many events of `detail_type` the shop published about `order`.
pub fn published(shop: &TestShop, detail_type: &str, order: &OrderId) -> usize {
    shop.inner()
        .bus
        .published()
        .iter()
        .filter(|event| {
            event.event_type.detail_type() == detail_type && event.order_id() == Some(*order)
        })
        .count()
}

/// A webhook body signed as the local mock gateway signs, at `timestamp`.
pub fn signed_webhook(body: &Value, timestamp: i64) -> (String, String) {
    let body = body.to_string();
    let signature = signature_header(DEV_WEBHOOK_SECRET.as_bytes(), timestamp, body.as_bytes());
    (body, signature)
}

/// Posts `body` to the payment webhook with `signature` as its `Mambogo-Signature`.
pub async fn deliver_webhook(shop: &TestShop, body: &str, signature: &str) -> Reply {
    shop.send_with_headers(
        Method::POST,
        "/webhooks/payments",
        As::default(),
        &[("mambogo-signature", signature)],
        Some(body),
    )
    .await
}

/// The checks every checkout test ends with: every event published matches its schema,
/// and the inventory invariant holds.
pub async fn assert_consistent(shop: &TestShop) {
    for event in shop.inner().bus.published() {
        assert_valid(&event);
    }
    if let Err(broken) = check_invariants(shop.inner().services.inventory.as_ref()).await {
        panic!("the inventory invariant is broken: {broken:#?}");
    }
}
