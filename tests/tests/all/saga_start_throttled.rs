//! Checkout while Step Functions throttles StartExecution: the order still gets its saga.
//! A few refusals are waited out inside the request; more than that answer 429 with
//! `Retry-After`, keeping the order and its stock, and the same request starts it later.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use mambogo::application::checkout::SAGA_START_ATTEMPTS;
use mambogo::domain::workflow::{ExecutionReport, StartOutcome, Workflow, WorkflowError};
use mambogo_local::workflow::ExecutionStatus;
use mambogo_local::{LocalConfig, TestHooks};
use mambogo_tests::checkout::{
    assert_consistent, available, checkout, fill_cart, order, order_id, saga_finished,
};
use mambogo_tests::shop::{token, TestShop};
use reqwest::StatusCode;
use serde_json::Value;

const SKU: &str = "MB-0002-BLK";

/// The shop's workflow, refusing the next `refusals` starts as throttled.
struct Throttling {
    inner: Arc<dyn Workflow>,
    refusals: Arc<AtomicUsize>,
    starts: Arc<AtomicUsize>,
}

#[async_trait]
impl Workflow for Throttling {
    async fn start(&self, name: &str, input: Value) -> Result<StartOutcome, WorkflowError> {
        self.starts.fetch_add(1, Ordering::SeqCst);
        let refused = self
            .refusals
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if refused {
            return Err(WorkflowError::Throttled("Rate exceeded".to_owned()));
        }
        self.inner.start(name, input).await
    }

    async fn send_task_success(&self, token: &str, output: Value) -> Result<(), WorkflowError> {
        self.inner.send_task_success(token, output).await
    }

    async fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError> {
        self.inner.send_task_failure(token, error, cause).await
    }

    async fn describe(&self, name: &str) -> Result<Option<ExecutionReport>, WorkflowError> {
        self.inner.describe(name).await
    }
}

/// A shop whose routes see Step Functions refuse the next `refusals` starts, and a
/// count of the starts asked for.
async fn throttled_shop(refusals: usize) -> (TestShop, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let (refusals, starts) = (
        Arc::new(AtomicUsize::new(refusals)),
        Arc::new(AtomicUsize::new(0)),
    );
    let (left, counted) = (Arc::clone(&refusals), Arc::clone(&starts));
    let hooks = TestHooks {
        workflow: Some(Arc::new(move |inner| {
            Arc::new(Throttling {
                inner,
                refusals: Arc::clone(&left),
                starts: Arc::clone(&counted),
            }) as Arc<dyn Workflow>
        })),
        ..TestHooks::default()
    };
    let shop = TestShop::start_with(LocalConfig::ephemeral(), hooks).await;
    (shop, refusals, starts)
}

#[tokio::test]
async fn a_start_throttled_a_few_times_is_waited_out_and_the_order_confirms() {
    let (shop, _, starts) = throttled_shop(SAGA_START_ATTEMPTS - 1).await;
    let alice = token("alice", false);
    fill_cart(&shop, &alice, &[(SKU, 1)]).await;

    let accepted = checkout(&shop, &alice, "key-1", "tok_approve").await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    assert_eq!(starts.load(Ordering::SeqCst), SAGA_START_ATTEMPTS);
    let id = order_id(&accepted);
    let execution = saga_finished(&shop, &id).await;
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(order(&shop, &alice, &id).await["status"], "CONFIRMED");
    assert_consistent(&shop).await;
}

#[tokio::test]
async fn a_start_throttled_past_the_attempts_answers_429_and_the_same_request_starts_it_later() {
    let (shop, refusals, starts) = throttled_shop(usize::MAX).await;
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
    assert_eq!(starts.load(Ordering::SeqCst), SAGA_START_ATTEMPTS);
    assert_eq!(
        available(&shop, SKU).await,
        before - 1,
        "the unit stays reserved for the buyer"
    );

    refusals.store(0, Ordering::SeqCst);
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
