//! Checkout while Step Functions throttles StartExecution: the order still gets its saga.
//! A few refusals are waited out inside the request; more than that answer 429 with
//! `Retry-After`, keeping the order and its stock, and the same request starts it later.

use mambogo::application::checkout::SAGA_START_ATTEMPTS;
use mambogo_local::workflow::ExecutionStatus;
use mambogo_local::{LocalConfig, TestHooks};
use mambogo_tests::checkout::{
    assert_consistent, available, checkout, fill_cart, order, order_id, saga_finished,
};
use mambogo_tests::shop::{token, TestShop};
use mambogo_tests::throttling::Throttle;
use reqwest::StatusCode;

const SKU: &str = "MB-0002-BLK";

/// A shop whose routes see Step Functions refuse the next `refusals` starts.
async fn throttled_shop(refusals: usize) -> (TestShop, Throttle) {
    let throttle = Throttle::refusing(refusals);
    let hooks = TestHooks {
        workflow: Some(throttle.wrapper()),
        ..TestHooks::default()
    };
    let shop = TestShop::start_with(LocalConfig::ephemeral(), hooks).await;
    (shop, throttle)
}

#[tokio::test]
async fn a_start_throttled_a_few_times_is_waited_out_and_the_order_confirms() {
    let (shop, throttle) = throttled_shop(SAGA_START_ATTEMPTS - 1).await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;

    let accepted = checkout(&shop, &alice, "key-1", "tok_approve").await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    assert_eq!(throttle.starts(), SAGA_START_ATTEMPTS);
    let id = order_id(&accepted);
    let execution = saga_finished(&shop, &id).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(order(&shop, &alice, &id).await["status"], "CONFIRMED");
    assert_consistent(&shop).await;
}

#[tokio::test]
async fn a_start_throttled_past_the_attempts_answers_429_and_the_same_request_starts_it_later() {
    let (shop, throttle) = throttled_shop(usize::MAX).await;
    let alice = token("alice", false);
    let before = available(&shop, SKU).await;
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;

    let busy = checkout(&shop, &alice, "key-1", "tok_approve").await;
    assert_eq!(
        busy.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        busy.body
    );
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert_eq!(
        busy.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(busy.body["type"], "urn:mambogo:problem:too-many-requests");
    assert_eq!(throttle.starts(), SAGA_START_ATTEMPTS);
    assert_eq!(
        available(&shop, SKU).await,
        before - 1,
        "the unit stays reserved for the buyer"
    );

    throttle.lift();
    let accepted = checkout(&shop, &alice, "key-1", "tok_approve").await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let id = order_id(&accepted);
    assert_eq!(
        saga_finished(&shop, &id).await.status,
        ExecutionStatus::Succeeded
    );
    let confirmed = order(&shop, &alice, &id).await;
    assert_eq!(confirmed["status"], "CONFIRMED");
    assert_eq!(
        available(&shop, SKU).await,
        before - 1,
        "one unit, sold once"
    );
    assert_consistent(&shop).await;
}
