//! The order lifecycle end to end on the local shop: an operator processes, ships and
//! delivers; the shopper returns some lines; the gateway's refund webhook makes the order
//! REFUNDED. Every change is a conditional write that answers 409 with the current
//! status when the status does not allow it; lists page; nobody sees another's order.
//! Cancellation is in `order_lifecycle_cancel.rs`.

use std::sync::Arc;

use mambogo::domain::clock::{Clock, ManualClock};
use mambogo::domain::ids::{OrderId, Sku};
use mambogo::domain::inventory::StockLevel;
use mambogo::domain::payments::signature::SIGNATURE_HEADER;
use mambogo::domain::payments::{GatewayEvent, GatewayEventKind, Payment};
use mambogo_local::workflow::ExecutionStatus;
use mambogo_local::{LocalConfig, TestHooks};
use mambogo_tests::checkout::{
    assert_consistent, checkout, fill_cart, history, order, order_id, saga_finished, set_on_hand,
};
use mambogo_tests::on_both_stores;
use mambogo_tests::shop::{token, As, Reply, Stores, TestShop};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

on_both_stores!(an_order_goes_from_confirmed_to_refunded_returning_only_some_lines);

pub const SKU: &str = "MB-0002-BLK";
pub const OTHER_SKU: &str = "MB-0003-WHT";

/// A shop whose clock only moves when the test says so.
pub async fn shop_with_clock() -> (TestShop, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let hooks = TestHooks {
        clock: Some(clock.clone() as Arc<dyn Clock>),
        faults: None,
        ..TestHooks::default()
    };
    (
        TestShop::start_with(LocalConfig::ephemeral(), hooks).await,
        clock,
    )
}

/// A CONFIRMED order of the user holding `token` for `lines`, its saga finished.
pub async fn confirmed_order(
    shop: &TestShop,
    token: &str,
    key: &str,
    lines: &[(&str, u32)],
) -> OrderId {
    fill_cart(shop, token, lines).await;
    let accepted = checkout(shop, token, key, "tok_approve").await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let id = order_id(&accepted);
    let execution = saga_finished(shop, &id).await;
    assert_eq!(
        execution.status,
        ExecutionStatus::Succeeded,
        "{execution:#?}"
    );
    id
}

/// `POST /admin/orders/{id}/{step}` as the admin holding `token`.
pub async fn admin_step(
    shop: &TestShop,
    token: &str,
    id: &OrderId,
    step: &str,
    body: Option<Value>,
) -> Reply {
    let path = format!("/admin/orders/{id}/{step}");
    let body = body.map(|body| body.to_string());
    shop.send(Method::POST, &path, As::user(token), body.as_deref())
        .await
}

/// The body of `POST /admin/orders/{id}/ship`.
pub fn parcel() -> Value {
    json!({"carrier": "UPS", "trackingNumber": "1Z999AA10123456784"})
}

/// Moves a CONFIRMED order forward through the admin routes until it is `target`
/// (PROCESSING, SHIPPED or DELIVERED).
pub async fn advance_to(shop: &TestShop, admin: &str, id: &OrderId, target: &str) {
    for (step, reached) in [
        ("process", "PROCESSING"),
        ("ship", "SHIPPED"),
        ("deliver", "DELIVERED"),
    ] {
        let body = (step == "ship").then(parcel);
        let reply = admin_step(shop, admin, id, step, body).await;
        assert_eq!(reply.status, StatusCode::OK, "{step}: {:?}", reply.body);
        assert_eq!(reply.body["status"], reached);
        if reached == target {
            return;
        }
    }
    panic!("{target} is not reached by process, ship and deliver");
}

/// `POST /orders/{id}/return` for `lines` as the shopper holding `token`.
pub async fn ask_return(shop: &TestShop, token: &str, id: &OrderId, lines: Value) -> Reply {
    shop.post(
        &format!("/orders/{id}/return"),
        As::user(token),
        &json!({"reason": "too small", "lines": lines}),
    )
    .await
}

/// Asserts a 409 problem naming the order's `current` status.
pub fn assert_conflict(reply: &Reply, current: &str, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::CONFLICT,
        "{what}: {:?}",
        reply.body
    );
    assert_eq!(
        reply.body["currentStatus"], current,
        "{what}: {:?}",
        reply.body
    );
}

/// The counters of `sku`, read behind the API.
pub async fn level(shop: &TestShop, sku: &str) -> StockLevel {
    let sku = Sku::parse(sku).expect("a valid SKU");
    shop.inner()
        .services
        .inventory
        .stock_levels(std::slice::from_ref(&sku))
        .await
        .expect("stock levels are readable")
        .remove(0)
}

/// The payment of `id`, read behind the API.
pub async fn payment(shop: &TestShop, id: &OrderId) -> Payment {
    shop.inner()
        .services
        .payments
        .payment(id)
        .await
        .expect("payments are readable")
        .expect("the order has a payment")
}

/// The distinct events of `detail_type` published about `id`: the same event published
/// again (a retried step, a replayed request) has the same `eventId` and counts once.
pub fn distinct_events(shop: &TestShop, detail_type: &str, id: &OrderId) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut details = Vec::new();
    for event in shop.inner().bus.published() {
        if event.event_type.detail_type() == detail_type && event.order_id() == Some(*id) {
            let event_id = event.event_id();
            if !seen.contains(&event_id) {
                seen.push(event_id);
                details.push(event.detail.clone());
            }
        }
    }
    details
}

/// The `refund.succeeded` webhooks the mock gateway sent for `refund_id` of `id`.
pub fn refund_webhooks(shop: &TestShop, id: &OrderId, refund_id: &str) -> Vec<(String, String)> {
    shop.inner()
        .gateway
        .sent_webhooks()
        .into_iter()
        .filter_map(|(body, signature)| {
            let event: GatewayEvent = serde_json::from_slice(&body).ok()?;
            (event.kind == GatewayEventKind::RefundSucceeded
                && event.order_id == *id
                && event.refund_id.as_deref() == Some(refund_id))
            .then(|| (String::from_utf8_lossy(&body).into_owned(), signature))
        })
        .collect()
}

/// Delivers the gateway's `refund.succeeded` webhook for `refund_id` of `id` (again: the
/// gateway sends it in the background). When the answer is in, the refund is applied,
/// by this delivery or the gateway's, and what follows from it is done.
pub async fn deliver_refund_webhook(shop: &TestShop, id: &OrderId, refund_id: &str) -> Reply {
    let webhooks = refund_webhooks(shop, id, refund_id);
    assert_eq!(webhooks.len(), 1, "the gateway refunded {refund_id} once");
    let (body, signature) = &webhooks[0];
    let reply = shop
        .send_with_headers(
            Method::POST,
            "/webhooks/payments",
            As::default(),
            &[(SIGNATURE_HEADER, signature)],
            Some(body),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply
}

async fn an_order_goes_from_confirmed_to_refunded_returning_only_some_lines(stores: Stores) {
    let shop = TestShop::on(stores).await;
    let alice = token("alice", false);
    let admin = token("ops", true);
    let id = confirmed_order(&shop, &alice, "key-1", &[(SKU, 2), (OTHER_SKU, 1)]).await;
    let sold_other = level(&shop, OTHER_SKU).await;

    let processing = admin_step(&shop, &admin, &id, "process", None).await;
    assert_eq!(processing.status, StatusCode::OK, "{:?}", processing.body);
    assert_eq!(processing.body["status"], "PROCESSING");
    assert_eq!(processing.body["payment"]["status"], "CAPTURED");
    let shipped = admin_step(&shop, &admin, &id, "ship", Some(parcel())).await;
    assert_eq!(shipped.body["status"], "SHIPPED");
    assert_eq!(shipped.body["shipment"]["carrier"], "UPS");
    assert_eq!(
        shipped.body["shipment"]["trackingNumber"],
        "1Z999AA10123456784"
    );
    let delivered = admin_step(&shop, &admin, &id, "deliver", None).await;
    assert_eq!(delivered.body["status"], "DELIVERED");

    let before_return = level(&shop, SKU).await;
    let asked = ask_return(&shop, &alice, &id, json!([{"sku": SKU, "quantity": 1}])).await;
    assert_eq!(asked.status, StatusCode::OK, "{:?}", asked.body);
    assert_eq!(asked.body["status"], "RETURN_REQUESTED");
    let unit_price = asked.body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["sku"] == SKU)
        .and_then(|line| line["unitPrice"]["amount"].as_i64())
        .unwrap();
    assert_eq!(
        asked.body["returnRequest"]["lines"],
        json!([{"sku": SKU, "quantity": 1, "amount": {"amount": unit_price, "currency": "USD"}}])
    );
    assert_eq!(
        level(&shop, SKU).await,
        before_return,
        "nothing back before approval"
    );

    let approved = admin_step(&shop, &admin, &id, "returns/approve", None).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    assert_eq!(approved.body["status"], "RETURNED");
    let after = level(&shop, SKU).await;
    assert_eq!(
        after.available,
        before_return.available + 1,
        "one unit back"
    );
    assert_eq!(after.on_hand, before_return.on_hand + 1);
    assert_eq!(after.sold, before_return.sold - 1);
    assert_eq!(
        level(&shop, OTHER_SKU).await,
        sold_other,
        "lines not returned stay sold"
    );
    let refund = payment(&shop, &id).await;
    assert_eq!(refund.refunds.len(), 1);
    assert_eq!(refund.refunds[0].id, "return");
    assert_eq!(
        refund.refunds[0].amount.amount, unit_price,
        "only the line's amount"
    );

    let applied = deliver_refund_webhook(&shop, &id, "return").await;
    assert_eq!(applied.body["paymentStatus"], "CAPTURED", "partly refunded");
    let refunded = order(&shop, &alice, &id).await;
    assert_eq!(refunded["status"], "REFUNDED");
    assert_eq!(refunded["payment"]["refunds"][0]["status"], "SUCCEEDED");
    assert_eq!(
        history(&refunded),
        [
            "PENDING",
            "CONFIRMED",
            "PROCESSING",
            "SHIPPED",
            "DELIVERED",
            "RETURN_REQUESTED",
            "RETURNED",
            "REFUNDED"
        ]
    );
    let actors: Vec<&str> = refunded["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| change["actor"].as_str().unwrap())
        .collect();
    assert_eq!(
        actors,
        [
            "alice",
            "checkout-saga",
            "admin:ops",
            "admin:ops",
            "admin:ops",
            "alice",
            "admin:ops",
            "payment-gateway"
        ]
    );

    // The same webhook once more: acknowledged as a duplicate, nothing changes twice.
    let again = deliver_refund_webhook(&shop, &id, "return").await;
    assert_eq!(again.body["duplicate"], true);
    assert_eq!(
        order(&shop, &alice, &id).await["history"],
        refunded["history"]
    );
    assert_eq!(level(&shop, SKU).await, after);

    for detail_type in [
        "OrderProcessing",
        "OrderShipped",
        "OrderDelivered",
        "ReturnRequested",
        "OrderReturned",
        "OrderRefunded",
    ] {
        assert_eq!(
            distinct_events(&shop, detail_type, &id).len(),
            1,
            "{detail_type}"
        );
    }
    let refunded_event = &distinct_events(&shop, "OrderRefunded", &id)[0];
    assert_eq!(refunded_event["refundId"], "return");
    assert_eq!(refunded_event["amount"]["amount"], unit_price);
    assert_eq!(refunded_event["lines"][0]["sku"], SKU);
    assert_eq!(
        distinct_events(&shop, "OrderShipped", &id)[0]["trackingNumber"],
        "1Z999AA10123456784"
    );
    assert_consistent(&shop).await;
    shop.stop().await;
}

#[tokio::test]
async fn steps_an_order_has_made_answer_it_as_it_is() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    let admin = token("ops", true);
    let id = confirmed_order(&shop, &alice, "key-1", &[(SKU, 1)]).await;
    advance_to(&shop, &admin, &id, "PROCESSING").await;
    let again = admin_step(&shop, &admin, &id, "process", None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(history(&again.body).len(), 3, "no second PROCESSING");

    let shipped = admin_step(&shop, &admin, &id, "ship", Some(parcel())).await;
    let same_parcel = admin_step(&shop, &admin, &id, "ship", Some(parcel())).await;
    assert_eq!(same_parcel.status, StatusCode::OK);
    assert_eq!(same_parcel.body["history"], shipped.body["history"]);
    let other_parcel = admin_step(
        &shop,
        &admin,
        &id,
        "ship",
        Some(json!({"carrier": "DHL", "trackingNumber": "JD0001"})),
    )
    .await;
    assert_conflict(&other_parcel, "SHIPPED", "shipping another parcel");

    advance_to_next(&shop, &admin, &id, "deliver").await;
    let delivered_again = admin_step(&shop, &admin, &id, "deliver", None).await;
    assert_eq!(delivered_again.status, StatusCode::OK);
    assert_eq!(
        history(&delivered_again.body).len(),
        5,
        "no second DELIVERED"
    );
    let lines = json!([{"sku": SKU, "quantity": 1}]);
    let asked = ask_return(&shop, &alice, &id, lines.clone()).await;
    let asked_again = ask_return(&shop, &alice, &id, lines).await;
    assert_eq!(asked_again.status, StatusCode::OK);
    assert_eq!(asked_again.body["history"], asked.body["history"]);
    assert_eq!(distinct_events(&shop, "OrderShipped", &id).len(), 1);
    assert_eq!(distinct_events(&shop, "ReturnRequested", &id).len(), 1);
    assert_consistent(&shop).await;
    shop.stop().await;
}

/// Tries each of `steps` on the order (which is in `current`) and expects 409 naming
/// `current`, and the order unchanged.
async fn refused_in(
    shop: &TestShop,
    shopper: &str,
    admin: &str,
    id: &OrderId,
    current: &str,
    steps: &[&str],
) {
    let before = order(shop, shopper, id).await;
    assert_eq!(before["status"], current);
    for step in steps {
        let reply = match *step {
            "cancel" => {
                shop.send(
                    Method::POST,
                    &format!("/orders/{id}/cancel"),
                    As::user(shopper),
                    None,
                )
                .await
            }
            "return" => ask_return(shop, shopper, id, json!([{"sku": SKU, "quantity": 1}])).await,
            "ship" => admin_step(shop, admin, id, "ship", Some(parcel())).await,
            other => admin_step(shop, admin, id, other, None).await,
        };
        assert_conflict(&reply, current, &format!("{step} when {current}"));
        assert!(
            reply.body["detail"]
                .as_str()
                .is_some_and(|detail| !detail.is_empty()),
            "{reply:?}"
        );
    }
    assert_eq!(
        order(shop, shopper, id).await,
        before,
        "{current}: nothing changed"
    );
}

#[tokio::test]
async fn steps_the_status_does_not_allow_answer_409_with_the_current_status() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    let admin = token("ops", true);

    // PENDING: the saga waits for a gateway that never answers.
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let pending = order_id(&checkout(&shop, &alice, "key-p", "tok_no_answer").await);
    shop.inner()
        .runner
        .wait_for_task_token(&pending.to_string())
        .await
        .unwrap();
    let all_admin = ["process", "ship", "deliver", "returns/approve"];
    refused_in(
        &shop,
        &alice,
        &admin,
        &pending,
        "PENDING",
        &[&all_admin[..], &["return"]].concat(),
    )
    .await;

    let id = confirmed_order(&shop, &alice, "key-1", &[(SKU, 1)]).await;
    refused_in(
        &shop,
        &alice,
        &admin,
        &id,
        "CONFIRMED",
        &["ship", "deliver", "returns/approve", "return"],
    )
    .await;
    advance_to(&shop, &admin, &id, "PROCESSING").await;
    refused_in(
        &shop,
        &alice,
        &admin,
        &id,
        "PROCESSING",
        &["deliver", "returns/approve", "return"],
    )
    .await;
    advance_to_next(&shop, &admin, &id, "ship").await;
    refused_in(
        &shop,
        &alice,
        &admin,
        &id,
        "SHIPPED",
        &["cancel", "process", "returns/approve", "return"],
    )
    .await;
    advance_to_next(&shop, &admin, &id, "deliver").await;
    refused_in(
        &shop,
        &alice,
        &admin,
        &id,
        "DELIVERED",
        &["cancel", "process", "ship", "returns/approve"],
    )
    .await;
    let asked = ask_return(&shop, &alice, &id, json!([{"sku": SKU, "quantity": 1}])).await;
    assert_eq!(asked.status, StatusCode::OK);
    refused_in(
        &shop,
        &alice,
        &admin,
        &id,
        "RETURN_REQUESTED",
        &["cancel", "process", "ship", "deliver"],
    )
    .await;
    let approved = admin_step(&shop, &admin, &id, "returns/approve", None).await;
    assert_eq!(approved.status, StatusCode::OK, "{:?}", approved.body);
    deliver_refund_webhook(&shop, &id, "return").await;
    refused_in(
        &shop,
        &alice,
        &admin,
        &id,
        "REFUNDED",
        &["cancel", "process", "deliver", "return"],
    )
    .await;

    let cancelled = confirmed_order(&shop, &alice, "key-2", &[(SKU, 1)]).await;
    let reply = shop
        .send(
            Method::POST,
            &format!("/orders/{cancelled}/cancel"),
            As::user(&alice),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    // The refund's webhook comes in the background; once it is in, nothing else changes.
    deliver_refund_webhook(&shop, &cancelled, "cancel").await;
    refused_in(
        &shop,
        &alice,
        &admin,
        &cancelled,
        "CANCELLED",
        &["process", "ship", "deliver", "returns/approve", "return"],
    )
    .await;

    // FAILED: out of stock at checkout.
    set_on_hand(&shop, "MB-0004-BLK", 0).await;
    fill_cart(&shop, &alice, &[("MB-0004-BLK", 1)]).await;
    let failed = order_id(&checkout(&shop, &alice, "key-f", "tok_approve").await);
    refused_in(
        &shop,
        &alice,
        &admin,
        &failed,
        "FAILED",
        &["cancel", "process", "return"],
    )
    .await;
    assert_consistent(&shop).await;
    shop.stop().await;
}

/// One admin step that must succeed.
async fn advance_to_next(shop: &TestShop, admin: &str, id: &OrderId, step: &str) {
    let body = (step == "ship").then(parcel);
    let reply = admin_step(shop, admin, id, step, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{step}: {:?}", reply.body);
}

#[tokio::test]
async fn a_return_after_the_window_is_refused_and_one_before_it_is_not() {
    let (shop, clock) = shop_with_clock().await;
    let alice = token("alice", false);
    let admin = token("ops", true);
    let late = confirmed_order(&shop, &alice, "key-1", &[(SKU, 1)]).await;
    let in_time = confirmed_order(&shop, &alice, "key-2", &[(SKU, 1)]).await;
    advance_to(&shop, &admin, &late, "DELIVERED").await;
    advance_to(&shop, &admin, &in_time, "DELIVERED").await;

    clock.advance(Duration::days(30) - Duration::minutes(1));
    let lines = json!([{"sku": SKU, "quantity": 1}]);
    let asked = ask_return(&shop, &alice, &in_time, lines.clone()).await;
    assert_eq!(asked.status, StatusCode::OK, "{:?}", asked.body);

    clock.advance(Duration::minutes(2));
    let refused = ask_return(&shop, &alice, &late, lines).await;
    assert_conflict(&refused, "DELIVERED", "a return after 30 days");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("return window closed") && detail.contains("30 days after delivery"),
        "{detail}"
    );
    assert_eq!(order(&shop, &alice, &late).await["status"], "DELIVERED");
    assert_consistent(&shop).await;
    shop.stop().await;
}

#[tokio::test]
async fn returns_must_name_lines_of_the_order() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    let admin = token("ops", true);
    let id = confirmed_order(&shop, &alice, "key-1", &[(SKU, 2)]).await;
    advance_to(&shop, &admin, &id, "DELIVERED").await;

    let too_many = ask_return(&shop, &alice, &id, json!([{"sku": SKU, "quantity": 3}])).await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_many.problem_fields(), ["lines[0].quantity"]);
    let not_ordered = ask_return(
        &shop,
        &alice,
        &id,
        json!([{"sku": OTHER_SKU, "quantity": 1}]),
    )
    .await;
    assert_eq!(not_ordered.problem_fields(), ["lines[0].sku"]);
    let none = ask_return(&shop, &alice, &id, json!([])).await;
    assert_eq!(none.problem_fields(), ["lines"]);
    let no_reason = shop
        .post(
            &format!("/orders/{id}/return"),
            As::user(&alice),
            &json!({"reason": " ", "lines": [{"sku": SKU, "quantity": 1}]}),
        )
        .await;
    assert_eq!(no_reason.problem_fields(), ["reason"]);
    let malformed = shop
        .post(
            &format!("/orders/{id}/return"),
            As::user(&alice),
            &json!({"reason": "x", "lines": [{"sku": "bad sku", "quantity": 1}]}),
        )
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let no_carrier = admin_step(
        &shop,
        &admin,
        &id,
        "ship",
        Some(json!({"carrier": "", "trackingNumber": "1"})),
    )
    .await;
    assert_eq!(no_carrier.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(order(&shop, &alice, &id).await["status"], "DELIVERED");
    assert_consistent(&shop).await;
    shop.stop().await;
}

#[tokio::test]
async fn another_shoppers_order_does_not_exist_for_them() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    let bob = token("bob", false);
    let admin = token("ops", true);
    let id = confirmed_order(&shop, &alice, "key-1", &[(SKU, 1)]).await;
    let before = order(&shop, &alice, &id).await;

    let seen = shop.get(&format!("/orders/{id}"), As::user(&bob)).await;
    assert_eq!(seen.status, StatusCode::NOT_FOUND);
    let cancelled = shop
        .send(
            Method::POST,
            &format!("/orders/{id}/cancel"),
            As::user(&bob),
            None,
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::NOT_FOUND);
    let returned = ask_return(&shop, &bob, &id, json!([{"sku": SKU, "quantity": 1}])).await;
    assert_eq!(returned.status, StatusCode::NOT_FOUND);
    let missing = shop
        .get(
            &format!("/orders/{}", uuid::Uuid::new_v4()),
            As::user(&alice),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let by_shopper = admin_step(&shop, &bob, &id, "process", None).await;
    assert_eq!(by_shopper.status, StatusCode::FORBIDDEN);
    let anonymous = shop.get("/orders", As::default()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    assert_eq!(order(&shop, &alice, &id).await, before);
    let by_admin = shop.get(&format!("/orders/{id}"), As::user(&admin)).await;
    assert_eq!(by_admin.status, StatusCode::OK);
    assert_consistent(&shop).await;
    shop.stop().await;
}

fn ids(page: &Reply) -> Vec<String> {
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn lists_page_newest_first_for_the_shopper_and_by_status_for_admins() {
    let (shop, clock) = shop_with_clock().await;
    let alice = token("alice", false);
    let bob = token("bob", false);
    let admin = token("ops", true);
    let mut placed = Vec::new();
    for key in ["key-1", "key-2", "key-3"] {
        placed.push(
            confirmed_order(&shop, &alice, key, &[(SKU, 1)])
                .await
                .to_string(),
        );
        clock.advance(Duration::minutes(1));
    }
    let bobs = confirmed_order(&shop, &bob, "key-1", &[(OTHER_SKU, 1)]).await;
    advance_to(&shop, &admin, &bobs, "PROCESSING").await;

    let first = shop.get("/orders?limit=2", As::user(&alice)).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(
        ids(&first),
        [placed[2].clone(), placed[1].clone()],
        "newest first"
    );
    assert_eq!(first.body["items"][0]["status"], "CONFIRMED");
    assert!(first.body["items"][0]["totals"]["total"]["amount"].is_i64());
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = shop
        .get(
            &format!("/orders?limit=2&cursor={cursor}"),
            As::user(&alice),
        )
        .await;
    assert_eq!(ids(&second), [placed[0].clone()]);
    assert!(second.body.get("nextCursor").is_none(), "the last page");
    let all = shop.get("/orders", As::user(&alice)).await;
    assert_eq!(ids(&all).len(), 3);
    let bobs_list = shop.get("/orders", As::user(&bob)).await;
    assert_eq!(ids(&bobs_list), [bobs.to_string()], "only their own");

    let queue = shop
        .get("/admin/orders?status=CONFIRMED&limit=2", As::user(&admin))
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{:?}", queue.body);
    assert_eq!(
        ids(&queue),
        [placed[0].clone(), placed[1].clone()],
        "oldest first"
    );
    let cursor = queue.body["nextCursor"].as_str().unwrap();
    let rest = shop
        .get(
            &format!("/admin/orders?status=CONFIRMED&limit=2&cursor={cursor}"),
            As::user(&admin),
        )
        .await;
    assert_eq!(ids(&rest), [placed[2].clone()]);
    let processing = shop
        .get("/admin/orders?status=PROCESSING", As::user(&admin))
        .await;
    assert_eq!(ids(&processing), [bobs.to_string()]);
    assert_eq!(processing.body["items"][0]["userId"], "bob");

    for (path, field) in [
        ("/orders?limit=0", "limit"),
        ("/orders?limit=101", "limit"),
        ("/orders?cursor=not-a-cursor", "cursor"),
        ("/orders?sort=price", "sort"),
        ("/admin/orders", "status"),
        ("/admin/orders?status=LOST", "status"),
    ] {
        let caller = if path.starts_with("/admin") {
            &admin
        } else {
            &alice
        };
        let refused = shop.get(path, As::user(caller)).await;
        assert_eq!(
            refused.status,
            StatusCode::BAD_REQUEST,
            "{path}: {:?}",
            refused.body
        );
        assert_eq!(refused.problem_fields(), [field], "{path}");
    }
    let not_admin = shop
        .get("/admin/orders?status=CONFIRMED", As::user(&alice))
        .await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);
    assert_consistent(&shop).await;
    shop.stop().await;
}
