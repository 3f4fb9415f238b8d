//! The checkout saga end to end on the local shop: the ASL file run by the local runner,
//! the mock gateway answering through the signed webhook, events on the local bus; each
//! on the SQLite stores and on the DynamoDB stores.

use std::sync::Arc;

use futures::future::BoxFuture;
use mambogo::domain::clock::{Clock, ManualClock};
use mambogo_local::workflow::{ExecutionStatus, TaskFailure};
use mambogo_local::{DataLocation, Fault, FaultInjector, LocalConfig, TestHooks};
use mambogo_tests::checkout::{
    assert_consistent, available, checkout, fill_cart, history, order, order_id, published,
    saga_finished, set_on_hand,
};
use mambogo_tests::on_both_stores;
use mambogo_tests::shop::{token, As, Stores, TestShop};
use reqwest::StatusCode;
use serde_json::json;
use time::{Duration, OffsetDateTime};

const SKU: &str = "MB-0002-BLK";

on_both_stores!(
    an_approved_payment_confirms_the_order,
    a_declined_payment_restores_the_stock_and_cancels,
    a_gateway_that_never_answers_times_out_and_compensates,
    a_confirmation_that_keeps_failing_refunds_and_releases,
    out_of_stock_answers_409_and_fails_the_order,
    a_replayed_checkout_answers_the_same_and_a_changed_one_is_refused,
    a_hundred_shoppers_for_ten_units,
);

async fn an_approved_payment_confirms_the_order(stores: Stores) {
    let shop = TestShop::on(stores).await;
    let alice = token("alice", false);
    let before = available(&shop, SKU).await;
    fill_cart(&shop, &alice, &[(SKU, 2), ("MB-0003-WHT", 1)]).await;

    let accepted = checkout(&shop, &alice, "key-1", "tok_approve").await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    assert_eq!(accepted.body["status"], "PENDING");
    let id = order_id(&accepted);
    assert_eq!(
        accepted.header("location"),
        Some(format!("/orders/{id}").as_str())
    );
    let totals = &accepted.body["totals"];
    let sum = ["subtotal", "shipping", "tax"]
        .iter()
        .map(|part| totals[part]["amount"].as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(totals["total"]["amount"].as_i64().unwrap(), sum);
    assert_eq!(available(&shop, SKU).await, before - 2, "reserved at once");

    let execution = saga_finished(&shop, &id).await;
    assert_eq!(
        execution.status,
        ExecutionStatus::Succeeded,
        "{execution:#?}"
    );
    let confirmed = order(&shop, &alice, &id).await;
    assert_eq!(confirmed["status"], "CONFIRMED");
    assert_eq!(confirmed["payment"]["status"], "CAPTURED");
    assert_eq!(history(&confirmed), ["PENDING", "CONFIRMED"]);
    assert_eq!(
        available(&shop, SKU).await,
        before - 2,
        "committed, not released"
    );

    for detail_type in [
        "OrderPlaced",
        "InventoryReserved",
        "PaymentAuthorized",
        "OrderConfirmed",
    ] {
        assert_eq!(published(&shop, detail_type, &id), 1, "{detail_type}");
    }
    shop.consumers_done().await;
    let cart = shop.get("/cart", As::user(&alice)).await;
    assert_eq!(
        cart.body["lines"],
        json!([]),
        "the cart is cleared once the order is confirmed"
    );

    let admin = token("ops", true);
    let report = shop
        .get(&format!("/admin/executions/{id}"), As::user(&admin))
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.body["status"], "SUCCEEDED");
    assert!(report.body["history"].as_array().unwrap().len() > 5);
    let bob = token("bob", false);
    assert_eq!(
        shop.get(&format!("/orders/{id}"), As::user(&bob))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "another shopper's order does not exist for them"
    );
    assert_eq!(
        shop.get(&format!("/admin/executions/{id}"), As::user(&bob))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_consistent(&shop).await;
    shop.stop().await;
}

async fn a_declined_payment_restores_the_stock_and_cancels(stores: Stores) {
    let shop = TestShop::on(stores).await;
    let alice = token("alice", false);
    let before = available(&shop, SKU).await;
    fill_cart(&shop, &alice, &[(SKU, 3)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_decline").await);

    let execution = saga_finished(&shop, &id).await;
    assert_eq!(
        execution.status,
        ExecutionStatus::Succeeded,
        "compensated cleanly: {execution:#?}"
    );
    let cancelled = order(&shop, &alice, &id).await;
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["payment"]["status"], "DECLINED");
    assert_eq!(
        available(&shop, SKU).await,
        before,
        "the stock is back on sale"
    );
    for detail_type in ["PaymentFailed", "InventoryReleased", "OrderCancelled"] {
        assert_eq!(published(&shop, detail_type, &id), 1, "{detail_type}");
    }
    assert_eq!(published(&shop, "OrderConfirmed", &id), 0);
    shop.consumers_done().await;
    let cart = shop.get("/cart", As::user(&alice)).await;
    assert_eq!(
        cart.body["lines"].as_array().unwrap().len(),
        1,
        "a cancelled checkout keeps the cart"
    );
    assert_consistent(&shop).await;
    shop.stop().await;
}

async fn a_gateway_that_never_answers_times_out_and_compensates(stores: Stores) {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let hooks = TestHooks {
        clock: Some(clock.clone() as Arc<dyn Clock>),
        faults: None,
        ..TestHooks::default()
    };
    let shop = TestShop::start_on(stores, LocalConfig::ephemeral(), hooks).await;
    let alice = token("alice", false);
    let before = available(&shop, SKU).await;
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_no_answer").await);

    shop.inner()
        .runner
        .wait_for_task_token(&id.to_string())
        .await
        .unwrap();
    assert_eq!(
        shop.inner().runner.tick().await.unwrap(),
        0,
        "nothing is due yet"
    );
    clock.advance(Duration::minutes(15) + Duration::seconds(1));
    assert_eq!(shop.inner().runner.tick().await.unwrap(), 1);

    let execution = saga_finished(&shop, &id).await;
    assert_eq!(
        execution.status,
        ExecutionStatus::Succeeded,
        "{execution:#?}"
    );
    let cancelled = order(&shop, &alice, &id).await;
    assert_eq!(cancelled["status"], "CANCELLED");
    assert!(cancelled["history"][1]["reason"]
        .as_str()
        .unwrap()
        .contains("States.Timeout"));
    assert_eq!(cancelled["payment"]["status"], "VOIDED");
    assert_eq!(available(&shop, SKU).await, before);
    assert_consistent(&shop).await;
    shop.stop().await;
}

/// Fails every attempt of one saga step with `error`.
fn always_fail(step: &'static str, error: &'static str) -> FaultInjector {
    Arc::new(move |function: &str| -> BoxFuture<'static, Option<Fault>> {
        let failure = (function == step)
            .then(|| Fault::Fail(TaskFailure::new(error, "injected by the test")));
        Box::pin(async move { failure })
    })
}

async fn a_confirmation_that_keeps_failing_refunds_and_releases(stores: Stores) {
    let hooks = TestHooks {
        clock: None,
        faults: Some(always_fail("confirm-order", "Transient")),
        ..TestHooks::default()
    };
    let shop = TestShop::start_on(stores, LocalConfig::ephemeral(), hooks).await;
    let alice = token("alice", false);
    let before = available(&shop, SKU).await;
    fill_cart(&shop, &alice, &[(SKU, 2)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_approve").await);

    let execution = saga_finished(&shop, &id).await;
    assert_eq!(
        execution.status,
        ExecutionStatus::Succeeded,
        "{execution:#?}"
    );
    let retried = execution
        .history
        .iter()
        .filter(|event| {
            event.kind.as_str() == "StateRetried" && event.state.as_deref() == Some("ConfirmOrder")
        })
        .count();
    assert_eq!(
        retried, 5,
        "ConfirmOrder is retried as the ASL says before compensating"
    );
    let visited: Vec<_> = execution
        .history
        .iter()
        .filter(|event| event.kind.as_str() == "StateEntered")
        .filter_map(|event| event.state.clone())
        .collect();
    assert!(visited.ends_with(&[
        "RefundPayment".to_owned(),
        "ReleaseInventory".to_owned(),
        "CancelOrder".to_owned(),
        "PublishOrderCancelled".to_owned(),
        "CheckoutCancelled".to_owned()
    ]));
    let cancelled = order(&shop, &alice, &id).await;
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(
        cancelled["payment"]["status"], "VOIDED",
        "authorized, never captured: voided"
    );
    assert_eq!(available(&shop, SKU).await, before);
    assert_consistent(&shop).await;
    shop.stop().await;
}

async fn out_of_stock_answers_409_and_fails_the_order(stores: Stores) {
    let shop = TestShop::on(stores).await;
    set_on_hand(&shop, "MB-0004-BLK", 1).await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[("MB-0004-BLK", 2), (SKU, 1)]).await;
    let before = available(&shop, SKU).await;

    let refused = checkout(&shop, &alice, "key-1", "tok_approve").await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.body["outOfStock"], json!(["MB-0004-BLK"]));
    let id = order_id(&refused);
    let failed = order(&shop, &alice, &id).await;
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["outOfStock"], json!(["MB-0004-BLK"]));
    assert_eq!(
        available(&shop, SKU).await,
        before,
        "all or nothing: the other line was not reserved"
    );
    assert_eq!(available(&shop, "MB-0004-BLK").await, 1);
    assert_eq!(published(&shop, "OrderFailed", &id), 1);
    assert!(
        shop.inner()
            .runner
            .execution(&id.to_string())
            .await
            .unwrap()
            .is_none(),
        "no saga for a refused order"
    );
    assert_consistent(&shop).await;
    shop.stop().await;
}

async fn a_replayed_checkout_answers_the_same_and_a_changed_one_is_refused(stores: Stores) {
    let shop = TestShop::on(stores).await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;
    let before = available(&shop, SKU).await;
    let first = checkout(&shop, &alice, "key-1", "tok_approve").await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let again = checkout(&shop, &alice, "key-1", "tok_approve").await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let changed = checkout(&shop, &alice, "key-1", "tok_decline").await;
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(changed.problem_fields(), ["Idempotency-Key"]);
    assert_eq!(
        available(&shop, SKU).await,
        before - 1,
        "reserved once, by the first checkout only"
    );
    let id = order_id(&first);
    saga_finished(&shop, &id).await;
    assert_eq!(published(&shop, "OrderPlaced", &id), 1);

    let missing_key = shop
        .send(
            reqwest::Method::POST,
            "/checkout",
            As::user(&alice),
            Some(r#"{"paymentToken": "tok_approve"}"#),
        )
        .await;
    assert_eq!(missing_key.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing_key.problem_fields(), ["Idempotency-Key"]);
    let empty = checkout(&shop, &token("nobody", false), "key-2", "tok_approve").await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.problem_fields(), ["cart"]);
    let anonymous = shop
        .send_with_headers(
            reqwest::Method::POST,
            "/checkout",
            As::default(),
            &[("idempotency-key", "k")],
            Some("{}"),
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_consistent(&shop).await;
    shop.stop().await;
}

async fn a_hundred_shoppers_for_ten_units(stores: Stores) {
    // On files, as `cargo run` keeps them: reads beside the writer see every commit.
    let shop = Arc::new(match stores {
        Stores::Sqlite => TestShop::on_file(LocalConfig::ephemeral(), TestHooks::default()).await,
        Stores::DynamoDb => TestShop::on(stores).await,
    });
    set_on_hand(&shop, "MB-0005-BLK", 10).await;
    let shoppers: Vec<String> = (0..100)
        .map(|n| token(&format!("shopper-{n}"), false))
        .collect();
    for shopper in &shoppers {
        fill_cart(&shop, shopper, &[("MB-0005-BLK", 1)]).await;
    }
    let attempts = shoppers.iter().cloned().map(|shopper| {
        let shop = Arc::clone(&shop);
        tokio::spawn(async move { checkout(&shop, &shopper, "flash", "tok_approve").await })
    });
    let replies: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let accepted: Vec<_> = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::ACCEPTED)
        .collect();
    let refused = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::CONFLICT)
        .count();
    assert_eq!((accepted.len(), refused), (10, 90));
    for reply in accepted {
        let execution = saga_finished(&shop, &order_id(reply)).await;
        assert_eq!(execution.status, ExecutionStatus::Succeeded);
    }
    let confirmed = shop
        .inner()
        .bus
        .published()
        .iter()
        .filter(|event| event.event_type.detail_type() == "OrderConfirmed")
        .count();
    assert_eq!(confirmed, 10);
    assert_eq!(available(&shop, "MB-0005-BLK").await, 0);
    assert_consistent(&shop).await;
}

#[tokio::test]
async fn a_crash_between_steps_resumes_on_restart() {
    let folder = std::env::temp_dir().join(format!("mambogo-crash-{}", uuid::Uuid::new_v4()));
    let mut config = LocalConfig::ephemeral();
    config.data = DataLocation::File(folder.join("shop.db"));
    // The first shop dies in the middle of AuthorizePayment: the step never returns.
    let hang: FaultInjector = Arc::new(|function: &str| -> BoxFuture<'static, Option<Fault>> {
        let hang = (function == "authorize-payment").then_some(Fault::Hang);
        Box::pin(async move { hang })
    });
    let first = TestShop::start_with(
        config.clone(),
        TestHooks {
            clock: None,
            faults: Some(hang),
            ..TestHooks::default()
        },
    )
    .await;
    let alice = token("alice", false);
    fill_cart(&first, &alice, &[(SKU, 1)]).await;
    let id = order_id(&checkout(&first, &alice, "key-1", "tok_approve").await);
    let stuck = first
        .inner()
        .runner
        .wait_until(&id.to_string(), |view| {
            view.current_state.as_deref() == Some("AuthorizePayment")
        })
        .await
        .unwrap();
    assert_eq!(stuck.status, ExecutionStatus::Running);
    first.stop().await;

    let second = TestShop::start_with(config, TestHooks::default()).await;
    let execution = saga_finished(&second, &id).await;
    assert_eq!(
        execution.status,
        ExecutionStatus::Succeeded,
        "{execution:#?}"
    );
    assert_eq!(order(&second, &alice, &id).await["status"], "CONFIRMED");
    assert_consistent(&second).await;
    second.stop().await;
    let _ = std::fs::remove_dir_all(folder);
}
