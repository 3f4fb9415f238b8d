//! The local ASL runner end to end: small definitions of our own, in-process Lambdas and
//! bus, a manual clock for timeouts, and restarts on a file-backed store.

// A test stops at the line that failed: tests unwrap where production code may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use mambogo::domain::clock::ManualClock;
use mambogo::domain::workflow::{StartOutcome, Workflow, WorkflowError};
use mambogo_local::workflow::{
    EventSink, ExecutionStatus, ExecutionStore, ExecutionView, HistoryEventKind, StateMachine,
    TaskFailure, TaskHandler, WorkflowRunner,
};
use serde_json::{json, Value};
use time::macros::datetime;

/// How long any wait may take before the test fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(10);

/// Lambdas that answer from a script per function (then echo), record every call, and
/// optionally never answer.
#[derive(Default)]
struct Lambdas {
    calls: Mutex<Vec<(String, Value)>>,
    scripted: Mutex<HashMap<String, VecDeque<Result<Value, TaskFailure>>>>,
    never_answer: bool,
}

impl Lambdas {
    fn echo() -> Arc<Self> {
        Arc::new(Lambdas::default())
    }

    fn never_answering() -> Arc<Self> {
        Arc::new(Lambdas {
            never_answer: true,
            ..Lambdas::default()
        })
    }

    fn scripted(function: &str, answers: Vec<Result<Value, TaskFailure>>) -> Arc<Self> {
        let lambdas = Lambdas::default();
        lock(&lambdas.scripted).insert(function.to_owned(), answers.into());
        Arc::new(lambdas)
    }

    fn calls_to(&self, function: &str) -> Vec<Value> {
        lock(&self.calls)
            .iter()
            .filter(|(name, _)| name == function)
            .map(|(_, payload)| payload.clone())
            .collect()
    }
}

#[async_trait]
impl TaskHandler for Lambdas {
    async fn invoke(&self, function_name: &str, payload: Value) -> Result<Value, TaskFailure> {
        lock(&self.calls).push((function_name.to_owned(), payload.clone()));
        if self.never_answer {
            // Like a Lambda that is still running when the machine goes down.
            tokio::sync::Notify::new().notified().await;
        }
        let scripted = lock(&self.scripted)
            .get_mut(function_name)
            .and_then(VecDeque::pop_front);
        scripted.unwrap_or_else(|| Ok(json!({ "function": function_name, "payload": payload })))
    }
}

/// A bus that keeps what it is sent.
#[derive(Default)]
struct Bus(Mutex<Vec<Value>>);

#[async_trait]
impl EventSink for Bus {
    async fn put_events(&self, entries: Vec<Value>) -> Result<(), TaskFailure> {
        lock(&self.0).extend(entries);
        Ok(())
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(datetime!(2030-01-01 00:00 UTC)))
}

fn machine(definition: &str) -> StateMachine {
    let substitutions = HashMap::from([(
        "authorize_function".to_owned(),
        "authorize-payment".to_owned(),
    )]);
    StateMachine::parse(definition, &substitutions)
        .unwrap_or_else(|error| panic!("bad test definition: {error}"))
}

fn in_memory() -> ExecutionStore {
    ExecutionStore::in_memory().unwrap_or_else(|error| panic!("{error}"))
}

fn runner_on(
    definition: &str,
    lambdas: &Arc<Lambdas>,
    store: ExecutionStore,
    clock: &Arc<ManualClock>,
) -> WorkflowRunner {
    WorkflowRunner::new(
        machine(definition),
        lambdas.clone(),
        Arc::new(Bus::default()),
        store,
        clock.clone(),
        0.0,
    )
}

fn runner(definition: &str, lambdas: &Arc<Lambdas>) -> WorkflowRunner {
    runner_on(definition, lambdas, in_memory(), &clock())
}

async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("nothing happened within {PATIENCE:?}"))
}

async fn start(runner: &WorkflowRunner, name: &str, input: Value) {
    let started = runner.workflow().start(name, input).await;
    assert_eq!(started, Ok(StartOutcome::Started));
}

async fn finished(runner: &WorkflowRunner, name: &str) -> ExecutionView {
    within(runner.wait_until_finished(name))
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

async fn task_token(runner: &WorkflowRunner, name: &str) -> String {
    within(runner.wait_for_task_token(name))
        .await
        .unwrap_or_else(|error| panic!("{error}"))
}

async fn scheduled(runner: &WorkflowRunner, name: &str) {
    within(runner.wait_until(name, |view| {
        view.events(HistoryEventKind::TaskScheduled)
            .next()
            .is_some()
    }))
    .await
    .unwrap_or_else(|error| panic!("{error}"));
}

/// A SQLite file in the temporary folder, deleted with its WAL when dropped.
struct TempDatabase(PathBuf);

impl TempDatabase {
    fn new() -> Self {
        let name = format!(
            "mambogo-asl-runner-{}.sqlite",
            uuid::Uuid::new_v4().simple()
        );
        TempDatabase(std::env::temp_dir().join(name))
    }

    fn open(&self) -> ExecutionStore {
        ExecutionStore::open(&self.0).unwrap_or_else(|error| panic!("{error}"))
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            std::fs::remove_file(path).ok();
        }
    }
}

const PATHS: &str = r#"{
  "StartAt": "Reserve",
  "States": {
    "Reserve": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "InputPath": "$.order",
      "Parameters": {
        "FunctionName": "reserve-inventory",
        "Payload": {
          "orderId.$": "$.id",
          "firstSku.$": "$.lines[0].sku",
          "execution.$": "$$.Execution.Name",
          "state.$": "$$.State.Name",
          "startedWith.$": "$$.Execution.Input.order.id",
          "enteredAt.$": "$$.State.EnteredTime"
        }
      },
      "ResultSelector": { "reservationId.$": "$.Payload.reservationId", "status.$": "$.StatusCode" },
      "ResultPath": "$.steps.reserve",
      "OutputPath": "$.steps",
      "End": true
    }
  }
}"#;

#[tokio::test]
async fn a_task_processes_its_input_and_output_as_aws_does() {
    let lambdas = Lambdas::scripted(
        "reserve-inventory",
        vec![Ok(json!({ "reservationId": "r-1" }))],
    );
    let runner = runner(PATHS, &lambdas);

    start(
        &runner,
        "o-1",
        json!({ "order": { "id": "o-1", "lines": [{ "sku": "A" }] } }),
    )
    .await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(
        lambdas.calls_to("reserve-inventory"),
        [json!({
            "orderId": "o-1",
            "firstSku": "A",
            "execution": "o-1",
            "state": "Reserve",
            "startedWith": "o-1",
            "enteredAt": "2030-01-01T00:00:00Z"
        })]
    );
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(
        execution.output,
        Some(json!({ "reserve": { "reservationId": "r-1", "status": 200 } }))
    );
}

#[tokio::test]
async fn pass_states_place_results_and_build_parameters() {
    let definition = r#"{
      "StartAt": "Fixed",
      "States": {
        "Fixed": { "Type": "Pass", "Result": { "currency": "EUR" }, "ResultPath": "$.pricing", "Next": "Shaped" },
        "Shaped": {
          "Type": "Pass",
          "Parameters": { "total.$": "$.amount", "currency.$": "$.pricing.currency", "execution.$": "$$.Execution.Id" },
          "Next": "Ignored"
        },
        "Ignored": { "Type": "Pass", "Result": "dropped", "ResultPath": null, "End": true }
      }
    }"#;
    let runner = runner(definition, &Lambdas::echo());

    start(&runner, "p-1", json!({ "amount": 42 })).await;
    let execution = finished(&runner, "p-1").await;

    assert_eq!(
        execution.output,
        Some(json!({
            "total": 42,
            "currency": "EUR",
            "execution": "arn:aws:states:local:000000000000:execution:local:p-1"
        }))
    );
}

#[tokio::test]
async fn a_path_that_does_not_resolve_fails_the_execution_uncaught() {
    let definition = r#"{
      "StartAt": "Reserve",
      "States": {
        "Reserve": {
          "Type": "Task",
          "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": { "FunctionName": "reserve-inventory", "Payload": { "orderId.$": "$.missing" } },
          "Catch": [{ "ErrorEquals": ["States.ALL"], "Next": "Caught" }],
          "End": true
        },
        "Caught": { "Type": "Succeed" }
      }
    }"#;
    let lambdas = Lambdas::echo();
    let runner = runner(definition, &lambdas);

    start(&runner, "o-1", json!({ "orderId": "o-1" })).await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("States.Runtime"));
    assert!(lambdas.calls_to("reserve-inventory").is_empty());
}

fn retrying(max_attempts: u32) -> String {
    format!(
        r#"{{
          "StartAt": "Capture",
          "States": {{
            "Capture": {{
              "Type": "Task",
              "Resource": "arn:aws:states:::lambda:invoke",
              "Parameters": {{ "FunctionName": "capture-payment", "Payload.$": "$" }},
              "Retry": [{{
                "ErrorEquals": ["PaymentGatewayBusy"],
                "IntervalSeconds": 1, "MaxAttempts": {max_attempts}, "BackoffRate": 2.0
              }}],
              "OutputPath": "$.Payload",
              "End": true
            }}
          }}
        }}"#
    )
}

fn busy_twice_then_captured() -> Arc<Lambdas> {
    let busy = || Err(TaskFailure::new("PaymentGatewayBusy", "try again"));
    Lambdas::scripted(
        "capture-payment",
        vec![busy(), busy(), Ok(json!({ "captured": true }))],
    )
}

#[tokio::test]
async fn a_retry_succeeds_within_its_max_attempts() {
    let lambdas = busy_twice_then_captured();
    let runner = runner(&retrying(2), &lambdas);

    start(&runner, "o-1", json!({ "orderId": "o-1" })).await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(execution.output, Some(json!({ "captured": true })));
    assert_eq!(lambdas.calls_to("capture-payment").len(), 3);
    let retries: Vec<&Value> = execution
        .events(HistoryEventKind::StateRetried)
        .map(|event| &event.details["retryCount"])
        .collect();
    assert_eq!(retries, [&json!(1), &json!(2)]);
    assert_eq!(
        execution
            .events(HistoryEventKind::StateRetried)
            .map(|event| event.details["delaySeconds"].clone())
            .collect::<Vec<_>>(),
        [json!(0.0), json!(0.0)],
        "a scale of 0 retries at once"
    );
}

#[tokio::test]
async fn a_retry_gives_up_after_its_max_attempts() {
    let lambdas = busy_twice_then_captured();
    let runner = runner(&retrying(1), &lambdas);

    start(&runner, "o-1", json!({ "orderId": "o-1" })).await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(execution.status, ExecutionStatus::Failed);
    assert_eq!(execution.error.as_deref(), Some("PaymentGatewayBusy"));
    assert_eq!(execution.cause.as_deref(), Some("try again"));
    assert_eq!(lambdas.calls_to("capture-payment").len(), 2);
    assert_eq!(execution.events(HistoryEventKind::TaskFailed).count(), 2);
}

const CATCHING: &str = r#"{
  "StartAt": "Reserve",
  "States": {
    "Reserve": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": { "FunctionName": "reserve-inventory", "Payload.$": "$" },
      "Catch": [{ "ErrorEquals": ["OutOfStock"], "ResultPath": "$.failure", "Next": "MarkFailed" }],
      "Next": "Done"
    },
    "MarkFailed": { "Type": "Pass", "End": true },
    "Done": { "Type": "Succeed" }
  }
}"#;

#[tokio::test]
async fn a_catch_puts_the_error_at_its_result_path() {
    let lambdas = Lambdas::scripted(
        "reserve-inventory",
        vec![
            Err(TaskFailure::new("OutOfStock", "SKU A has 0 left")),
            Err(TaskFailure::new("TableUnavailable", "throttled")),
        ],
    );
    let runner = runner(CATCHING, &lambdas);

    start(&runner, "caught", json!({ "orderId": "o-1" })).await;
    let caught = finished(&runner, "caught").await;
    start(&runner, "uncaught", json!({ "orderId": "o-2" })).await;
    let uncaught = finished(&runner, "uncaught").await;

    assert_eq!(caught.status, ExecutionStatus::Succeeded);
    assert_eq!(
        caught.output,
        Some(json!({
            "orderId": "o-1",
            "failure": { "Error": "OutOfStock", "Cause": "SKU A has 0 left" }
        }))
    );
    let entered: Vec<Option<&str>> = caught
        .events(HistoryEventKind::StateEntered)
        .map(|event| event.state.as_deref())
        .collect();
    assert_eq!(entered, [Some("Reserve"), Some("MarkFailed")]);
    assert_eq!(uncaught.status, ExecutionStatus::Failed);
    assert_eq!(uncaught.error.as_deref(), Some("TableUnavailable"));
}

#[tokio::test]
async fn choices_route_by_their_rules_and_fail_states_end_with_their_error() {
    let definition = r#"{
      "StartAt": "Route",
      "States": {
        "Route": {
          "Type": "Choice",
          "Choices": [
            { "Not": { "Variable": "$.payment", "IsPresent": true }, "Next": "Unpaid" },
            {
              "And": [
                { "Variable": "$.payment.status", "StringEquals": "DECLINED" },
                { "Variable": "$.retryable", "BooleanEquals": false }
              ],
              "Next": "Declined"
            },
            { "Variable": "$.lines", "NumericEquals": 0, "Next": "Empty" },
            { "Variable": "$.note", "IsNull": true, "Next": "Empty" }
          ],
          "Default": "Paid"
        },
        "Declined": { "Type": "Fail", "Error": "PaymentDeclined", "Cause": "the card was declined" },
        "Empty": { "Type": "Succeed", "OutputPath": "$.lines" },
        "Unpaid": { "Type": "Pass", "Result": "unpaid", "End": true },
        "Paid": { "Type": "Succeed" }
      }
    }"#;
    let runner = runner(definition, &Lambdas::echo());
    let cases = [
        ("unpaid", json!({ "lines": 3 })),
        (
            "declined",
            json!({ "payment": { "status": "DECLINED" }, "retryable": false, "lines": 1 }),
        ),
        (
            "empty",
            json!({ "payment": { "status": "OK" }, "lines": 0, "note": "x" }),
        ),
        (
            "paid",
            json!({ "payment": { "status": "OK" }, "lines": 2, "note": "x" }),
        ),
    ];

    let mut outcomes = Vec::new();
    for (name, input) in cases {
        start(&runner, name, input).await;
        let execution = finished(&runner, name).await;
        outcomes.push((
            execution.status,
            execution.output,
            execution.error,
            execution.cause,
        ));
    }

    assert_eq!(
        outcomes,
        [
            (
                ExecutionStatus::Succeeded,
                Some(json!("unpaid")),
                None,
                None
            ),
            (
                ExecutionStatus::Failed,
                None,
                Some("PaymentDeclined".to_owned()),
                Some("the card was declined".to_owned())
            ),
            (ExecutionStatus::Succeeded, Some(json!(0)), None, None),
            (
                ExecutionStatus::Succeeded,
                Some(json!({ "payment": { "status": "OK" }, "lines": 2, "note": "x" })),
                None,
                None
            ),
        ]
    );
}

#[tokio::test]
async fn a_choice_without_a_match_or_default_fails() {
    let definition = r#"{
      "StartAt": "Route",
      "States": {
        "Route": { "Type": "Choice", "Choices": [{ "Variable": "$.a", "StringEquals": "x", "Next": "Done" }] },
        "Done": { "Type": "Succeed" }
      }
    }"#;
    let runner = runner(definition, &Lambdas::echo());

    start(&runner, "o-1", json!({ "a": "y" })).await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(execution.error.as_deref(), Some("States.NoChoiceMatched"));
}

const AUTHORIZING: &str = r#"{
  "StartAt": "Authorize",
  "States": {
    "Authorize": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {
        "FunctionName": "${authorize_function}",
        "Payload": { "orderId.$": "$.orderId", "taskToken.$": "$$.Task.Token" }
      },
      "TimeoutSeconds": 900,
      "ResultPath": "$.payment",
      "Catch": [
        { "ErrorEquals": ["PaymentDeclined", "States.Timeout"], "ResultPath": "$.failure", "Next": "Release" }
      ],
      "Next": "Confirmed"
    },
    "Release": { "Type": "Pass", "Result": "released", "ResultPath": "$.inventory", "End": true },
    "Confirmed": { "Type": "Succeed" }
  }
}"#;

#[tokio::test]
async fn a_callback_task_succeeds_with_what_its_token_is_sent() {
    let lambdas = Lambdas::echo();
    let runner = runner(AUTHORIZING, &lambdas);

    start(&runner, "o-1", json!({ "orderId": "o-1" })).await;
    let token = task_token(&runner, "o-1").await;
    let sent = runner
        .workflow()
        .send_task_success(&token, json!({ "authorizationId": "auth-1" }))
        .await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(
        lambdas.calls_to("authorize-payment"),
        [json!({ "orderId": "o-1", "taskToken": token })]
    );
    assert_eq!(sent, Ok(()));
    assert_eq!(
        execution.output,
        Some(json!({ "orderId": "o-1", "payment": { "authorizationId": "auth-1" } }))
    );
    assert_eq!(
        runner.workflow().send_task_success(&token, json!({})).await,
        Err(WorkflowError::TaskClosed)
    );
    assert_eq!(
        runner
            .workflow()
            .send_task_failure(&token, "PaymentDeclined", "")
            .await,
        Err(WorkflowError::TaskClosed)
    );
    assert_eq!(
        runner
            .workflow()
            .send_task_success("not-a-token", json!({}))
            .await,
        Err(WorkflowError::InvalidToken)
    );
}

#[tokio::test]
async fn a_callback_task_fails_with_the_error_its_token_is_sent() {
    let runner = runner(AUTHORIZING, &Lambdas::echo());

    start(&runner, "o-1", json!({ "orderId": "o-1" })).await;
    let token = task_token(&runner, "o-1").await;
    let sent = runner
        .workflow()
        .send_task_failure(&token, "PaymentDeclined", "insufficient funds")
        .await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(sent, Ok(()));
    assert_eq!(
        execution.output,
        Some(json!({
            "orderId": "o-1",
            "failure": { "Error": "PaymentDeclined", "Cause": "insufficient funds" },
            "inventory": "released"
        }))
    );
}

#[tokio::test]
async fn a_callback_task_times_out_when_the_clock_passes_its_deadline() {
    let clock = clock();
    let runner = runner_on(AUTHORIZING, &Lambdas::echo(), in_memory(), &clock);
    start(&runner, "o-1", json!({ "orderId": "o-1" })).await;
    let token = task_token(&runner, "o-1").await;

    clock.advance(time::Duration::seconds(899));
    let early = runner.tick().await;
    clock.advance(time::Duration::seconds(1));
    let due = runner.tick().await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(early, Ok(0));
    assert_eq!(due, Ok(1));
    assert_eq!(
        execution.output.as_ref().map(|o| &o["failure"]["Error"]),
        Some(&json!("States.Timeout"))
    );
    assert_eq!(execution.events(HistoryEventKind::TaskTimedOut).count(), 1);
    assert_eq!(
        runner.workflow().send_task_success(&token, json!({})).await,
        Err(WorkflowError::TaskClosed)
    );
}

#[tokio::test]
async fn a_lambda_task_times_out_when_the_clock_passes_its_deadline() {
    let definition = r#"{
      "StartAt": "Capture",
      "States": {
        "Capture": {
          "Type": "Task",
          "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": { "FunctionName": "capture-payment", "Payload.$": "$" },
          "TimeoutSeconds": 30,
          "Catch": [{ "ErrorEquals": ["States.Timeout"], "ResultPath": "$.failure", "Next": "Refund" }],
          "End": true
        },
        "Refund": { "Type": "Pass", "End": true }
      }
    }"#;
    let clock = clock();
    let runner = runner_on(definition, &Lambdas::never_answering(), in_memory(), &clock);
    start(&runner, "o-1", json!({ "orderId": "o-1" })).await;
    scheduled(&runner, "o-1").await;

    clock.advance(time::Duration::seconds(30));
    let timed_out = runner.tick().await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(timed_out, Ok(1));
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(
        execution.output.as_ref().map(|o| &o["failure"]["Error"]),
        Some(&json!("States.Timeout"))
    );
}

#[tokio::test]
async fn a_timeout_can_come_from_the_state_input() {
    let definition = r#"{
      "StartAt": "Capture",
      "States": {
        "Capture": {
          "Type": "Task",
          "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": { "FunctionName": "capture-payment", "Payload.$": "$" },
          "TimeoutSecondsPath": "$.ttlSeconds",
          "Catch": [{ "ErrorEquals": ["States.Timeout"], "ResultPath": "$.failure", "Next": "Refund" }],
          "End": true
        },
        "Refund": { "Type": "Pass", "End": true }
      }
    }"#;
    let clock = clock();
    let runner = runner_on(definition, &Lambdas::never_answering(), in_memory(), &clock);
    start(&runner, "timed", json!({ "ttlSeconds": 5 })).await;
    start(&runner, "untimed", json!({})).await;
    scheduled(&runner, "timed").await;
    let untimed = finished(&runner, "untimed").await;

    clock.advance(time::Duration::seconds(5));
    let timed_out = runner.tick().await;
    let timed = finished(&runner, "timed").await;

    assert_eq!(timed_out, Ok(1));
    assert_eq!(
        timed.output.as_ref().map(|o| &o["failure"]["Error"]),
        Some(&json!("States.Timeout"))
    );
    assert_eq!(untimed.error.as_deref(), Some("States.Runtime"));
}

#[tokio::test]
async fn a_second_start_with_the_same_name_is_a_no_op() {
    let lambdas = Lambdas::echo();
    let runner = runner(CATCHING, &lambdas);

    let first = runner
        .workflow()
        .start("o-1", json!({ "orderId": "o-1" }))
        .await;
    let second = runner
        .workflow()
        .start("o-1", json!({ "orderId": "o-1" }))
        .await;
    finished(&runner, "o-1").await;
    let after_the_end = runner
        .workflow()
        .start("o-1", json!({ "orderId": "o-1" }))
        .await;

    assert_eq!(first, Ok(StartOutcome::Started));
    assert_eq!(second, Ok(StartOutcome::AlreadyStarted));
    assert_eq!(after_the_end, Ok(StartOutcome::AlreadyStarted));
    assert_eq!(lambdas.calls_to("reserve-inventory").len(), 1);
}

#[tokio::test]
async fn an_execution_waiting_for_its_token_survives_a_restart() {
    let database = TempDatabase::new();
    let clock = clock();
    let before = runner_on(AUTHORIZING, &Lambdas::echo(), database.open(), &clock);
    start(&before, "o-1", json!({ "orderId": "o-1" })).await;
    let token = task_token(&before, "o-1").await;
    drop(before);

    let lambdas = Lambdas::echo();
    let after = runner_on(AUTHORIZING, &lambdas, database.open(), &clock);
    let resumed = after.resume_all().await;
    let sent = after
        .workflow()
        .send_task_success(&token, json!({ "authorizationId": "auth-1" }))
        .await;
    let execution = finished(&after, "o-1").await;

    assert_eq!(resumed, Ok(1));
    assert_eq!(sent, Ok(()));
    assert_eq!(
        execution.output,
        Some(json!({ "orderId": "o-1", "payment": { "authorizationId": "auth-1" } }))
    );
    assert!(
        lambdas.calls_to("authorize-payment").is_empty(),
        "a handed-out token is not asked for again"
    );
}

#[tokio::test]
async fn a_token_deadline_survives_a_restart() {
    let database = TempDatabase::new();
    let clock = clock();
    let before = runner_on(AUTHORIZING, &Lambdas::echo(), database.open(), &clock);
    start(&before, "o-1", json!({ "orderId": "o-1" })).await;
    task_token(&before, "o-1").await;
    drop(before);

    let after = runner_on(AUTHORIZING, &Lambdas::echo(), database.open(), &clock);
    let resumed = after.resume_all().await;
    clock.advance(time::Duration::seconds(900));
    let timed_out = after.tick().await;
    let execution = finished(&after, "o-1").await;

    assert_eq!(resumed, Ok(1));
    assert_eq!(timed_out, Ok(1));
    assert_eq!(
        execution.output.as_ref().map(|o| &o["inventory"]),
        Some(&json!("released"))
    );
}

#[tokio::test]
async fn a_task_cut_off_by_a_restart_runs_again() {
    let database = TempDatabase::new();
    let clock = clock();
    let before = runner_on(
        CATCHING,
        &Lambdas::never_answering(),
        database.open(),
        &clock,
    );
    start(&before, "o-1", json!({ "orderId": "o-1" })).await;
    scheduled(&before, "o-1").await;
    drop(before);

    let lambdas = Lambdas::echo();
    let after = runner_on(CATCHING, &lambdas, database.open(), &clock);
    let resumed = after.resume_all().await;
    let again = after.resume_all().await;
    let execution = finished(&after, "o-1").await;

    assert_eq!(resumed, Ok(1));
    assert_eq!(
        again,
        Ok(0),
        "an execution already driven is not driven twice"
    );
    assert_eq!(execution.status, ExecutionStatus::Succeeded);
    assert_eq!(
        lambdas.calls_to("reserve-inventory"),
        [json!({ "orderId": "o-1" })]
    );
    assert_eq!(execution.events(HistoryEventKind::TaskScheduled).count(), 2);
}

#[tokio::test]
async fn put_events_tasks_publish_their_entries() {
    let definition = r#"{
      "StartAt": "Publish",
      "States": {
        "Publish": {
          "Type": "Task",
          "Resource": "arn:aws:states:::events:putEvents",
          "Parameters": {
            "Entries": [{
              "Source": "mambogo.orders",
              "DetailType": "OrderConfirmed",
              "Detail": { "orderId.$": "$.orderId" }
            }]
          },
          "ResultSelector": { "failed.$": "$.FailedEntryCount" },
          "ResultPath": "$.published",
          "End": true
        }
      }
    }"#;
    let bus = Arc::new(Bus::default());
    let runner = WorkflowRunner::new(
        machine(definition),
        Lambdas::echo(),
        bus.clone(),
        in_memory(),
        clock(),
        0.0,
    );

    start(&runner, "o-1", json!({ "orderId": "o-1" })).await;
    let execution = finished(&runner, "o-1").await;

    assert_eq!(
        execution.output,
        Some(json!({ "orderId": "o-1", "published": { "failed": 0 } }))
    );
    assert_eq!(
        *lock(&bus.0),
        [json!({
            "Source": "mambogo.orders",
            "DetailType": "OrderConfirmed",
            "Detail": { "orderId": "o-1" }
        })]
    );
}

#[tokio::test]
async fn the_history_tells_what_happened_and_when() {
    let lambdas = Lambdas::scripted("reserve-inventory", vec![Ok(json!({ "reserved": true }))]);
    let runner = runner(CATCHING, &lambdas);

    start(&runner, "o-1", json!({ "orderId": "o-1" })).await;
    let execution = finished(&runner, "o-1").await;

    let events: Vec<(u64, HistoryEventKind, Option<&str>)> = execution
        .history
        .iter()
        .map(|event| (event.id, event.kind, event.state.as_deref()))
        .collect();
    assert_eq!(
        events,
        [
            (1, HistoryEventKind::ExecutionStarted, None),
            (2, HistoryEventKind::StateEntered, Some("Reserve")),
            (3, HistoryEventKind::TaskScheduled, Some("Reserve")),
            (4, HistoryEventKind::TaskSucceeded, Some("Reserve")),
            (5, HistoryEventKind::StateExited, Some("Reserve")),
            (6, HistoryEventKind::StateEntered, Some("Done")),
            (7, HistoryEventKind::StateExited, Some("Done")),
            (8, HistoryEventKind::ExecutionSucceeded, None),
        ]
    );
    assert!(execution
        .history
        .iter()
        .all(|event| event.timestamp == datetime!(2030-01-01 00:00 UTC)));
    assert_eq!(
        execution.history[0].details,
        json!({ "input": { "orderId": "o-1" } })
    );
    assert_eq!(
        execution.history[2].details,
        json!({
            "resource": "arn:aws:states:::lambda:invoke",
            "parameters": { "FunctionName": "reserve-inventory", "Payload": { "orderId": "o-1" } }
        })
    );
    assert_eq!(
        execution.history[3].details,
        json!({ "output": { "Payload": { "reserved": true }, "StatusCode": 200 } })
    );
}
