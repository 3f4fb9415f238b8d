//! The Step Functions adapter against moto, which executes the state machines: starts are
//! idempotent by execution name, unknown task tokens are refused as the port says, and a
//! start throttled or whose answer was lost starts one execution, and failed executions
//! are listed by when they started.
//!
//! Completing a real task token is not tested here: moto's executing mode reaches the
//! services a task calls through `localhost:$MOTO_PORT`, which the emulator wrapper does
//! not set, so every service task fails with `States.Runtime`. How the adapter maps
//! `TaskDoesNotExist` and `TaskTimedOut` is unit-tested beside it.

use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::Client;
use mambogo::adapters::stepfunctions::StepFunctionsWorkflow;
use mambogo::domain::workflow::{StartOutcome, Workflow, WorkflowError};
use mambogo_tests::aws_faults::{sdk_retries, AwsFault, FaultRule, FaultyAws, SDK_ATTEMPTS};
use mambogo_tests::emulator::sfn_client;
use serde_json::json;

/// Stays RUNNING for an hour, longer than any test process.
const WAITING_MACHINE: &str = r#"{
  "StartAt": "AwaitPayment",
  "States": { "AwaitPayment": { "Type": "Wait", "Seconds": 3600, "End": true } }
}"#;

/// Ends at once.
const PASSING_MACHINE: &str = r#"{
  "StartAt": "Done",
  "States": { "Done": { "Type": "Pass", "End": true } }
}"#;

/// Fails at once.
const FAILING_MACHINE: &str = r#"{
  "StartAt": "Broken",
  "States": { "Broken": { "Type": "Fail", "Error": "Injected", "Cause": "by the test" } }
}"#;

const POLL_EVERY: Duration = Duration::from_millis(20);
const POLL_FOR: Duration = Duration::from_secs(10);

async fn create_machine(client: &Client, definition: &str) -> String {
    let name = format!("checkout-{}", uuid::Uuid::new_v4().simple());
    client
        .create_state_machine()
        .name(&name)
        .definition(definition)
        .role_arn("arn:aws:iam::123456789012:role/mambogo-checkout")
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot create state machine {name}: {error:?}"))
        .state_machine_arn
}

fn execution_arn(machine_arn: &str, name: &str) -> String {
    let executions = machine_arn.replacen(":stateMachine:", ":execution:", 1);
    format!("{executions}:{name}")
}

async fn status(client: &Client, execution_arn: &str) -> ExecutionStatus {
    client
        .describe_execution()
        .execution_arn(execution_arn)
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot describe {execution_arn}: {error:?}"))
        .status()
        .clone()
}

/// The names of the machine's executions, sorted.
async fn execution_names(client: &Client, machine_arn: &str) -> Vec<String> {
    let executions = client
        .list_executions()
        .state_machine_arn(machine_arn)
        .send()
        .await
        .unwrap_or_else(|error| panic!("cannot list executions: {error:?}"));
    let mut names: Vec<String> = executions
        .executions()
        .iter()
        .map(|execution| execution.name().to_owned())
        .collect();
    names.sort_unstable();
    names
}

/// The execution's status once it is no longer running. Moto runs executions on its own
/// threads, so this asks again every [`POLL_EVERY`], for at most [`POLL_FOR`].
async fn ended(client: &Client, execution_arn: &str) -> ExecutionStatus {
    let deadline = tokio::time::Instant::now() + POLL_FOR;
    loop {
        let status = status(client, execution_arn).await;
        if status != ExecutionStatus::Running {
            return status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{execution_arn} still runs after {POLL_FOR:?}"
        );
        tokio::time::sleep(POLL_EVERY).await;
    }
}

#[tokio::test]
async fn a_repeated_start_of_a_running_execution_starts_nothing() {
    let client = sfn_client().await;
    let machine = create_machine(&client, WAITING_MACHINE).await;
    let workflow = StepFunctionsWorkflow::new(client.clone(), machine.clone());
    let input = json!({ "orderId": "o-1" });

    let first = workflow.start("o-1", input.clone()).await;
    let same_input = workflow.start("o-1", input).await;
    let other_input = workflow.start("o-1", json!({ "orderId": "other" })).await;

    assert_eq!(first, Ok(StartOutcome::Started));
    // Step Functions answers a repeat with the same input, while the execution runs, with
    // that execution; the adapter cannot tell it from a fresh start.
    assert_eq!(same_input, Ok(StartOutcome::Started));
    assert_eq!(other_input, Ok(StartOutcome::AlreadyStarted));
    assert_eq!(execution_names(&client, &machine).await, ["o-1"]);
    assert_eq!(
        status(&client, &execution_arn(&machine, "o-1")).await,
        ExecutionStatus::Running
    );
}

#[tokio::test]
async fn a_start_after_the_execution_ended_is_already_started() {
    let client = sfn_client().await;
    let machine = create_machine(&client, PASSING_MACHINE).await;
    let workflow = StepFunctionsWorkflow::new(client.clone(), machine.clone());
    let input = json!({ "orderId": "o-2" });

    let first = workflow.start("o-2", input.clone()).await;
    let status = ended(&client, &execution_arn(&machine, "o-2")).await;
    let again = workflow.start("o-2", input).await;

    assert_eq!(first, Ok(StartOutcome::Started));
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(again, Ok(StartOutcome::AlreadyStarted));
}

#[tokio::test]
async fn an_unknown_token_is_invalid() {
    let client = sfn_client().await;
    let machine = create_machine(&client, PASSING_MACHINE).await;
    let workflow = StepFunctionsWorkflow::new(client, machine);

    let success = workflow.send_task_success("no-such-token", json!({})).await;
    let failure = workflow
        .send_task_failure("no-such-token", "PaymentDeclined", "insufficient funds")
        .await;

    assert_eq!(success, Err(WorkflowError::InvalidToken));
    assert_eq!(failure, Err(WorkflowError::InvalidToken));
}

#[tokio::test]
async fn an_unknown_state_machine_is_unavailable() {
    let client = sfn_client().await;
    let workflow = StepFunctionsWorkflow::new(
        client,
        "arn:aws:states:us-east-1:123456789012:stateMachine:no-such-machine",
    );

    let started = workflow.start("o-3", json!({})).await;

    assert!(
        matches!(started, Err(WorkflowError::Unavailable(_))),
        "{started:?}"
    );
}

#[tokio::test]
async fn a_start_throttled_or_whose_answer_was_lost_starts_one_execution() {
    let client = sfn_client().await;
    let machine = create_machine(&client, WAITING_MACHINE).await;
    let proxy = FaultyAws::start().await;
    let proxied = Client::from_conf(
        client
            .config()
            .to_builder()
            .endpoint_url(proxy.endpoint())
            .retry_config(sdk_retries())
            .build(),
    );
    let workflow = StepFunctionsWorkflow::new(proxied, machine.clone());
    let attempts = SDK_ATTEMPTS as usize;

    proxy.arm(FaultRule::next(
        "StartExecution",
        AwsFault::Throttling,
        attempts - 1,
    ));
    let throttled = workflow.start("o-4", json!({ "orderId": "o-4" })).await;
    proxy.arm(FaultRule::next(
        "StartExecution",
        AwsFault::AppliedThenDropped,
        1,
    ));
    let lost = workflow.start("o-5", json!({ "orderId": "o-5" })).await;
    proxy.arm(FaultRule::next(
        "StartExecution",
        AwsFault::Throttling,
        attempts,
    ));
    let refused = workflow.start("o-6", json!({ "orderId": "o-6" })).await;

    assert_eq!(
        proxy.disarm(),
        [attempts - 1, 1, attempts],
        "every fault hit"
    );
    assert_eq!(throttled, Ok(StartOutcome::Started));
    assert_eq!(
        lost,
        Ok(StartOutcome::Started),
        "the retry found its own start"
    );
    assert!(
        matches!(refused, Err(WorkflowError::Throttled(_))),
        "{refused:?}"
    );
    assert_eq!(execution_names(&client, &machine).await, ["o-4", "o-5"]);
}

#[tokio::test]
async fn failed_executions_are_listed_by_when_they_started() {
    let client = sfn_client().await;
    let machine = create_machine(&client, FAILING_MACHINE).await;
    let workflow = StepFunctionsWorkflow::new(client.clone(), machine.clone());
    let before = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
    for name in ["o-7", "o-8"] {
        workflow
            .start(name, json!({ "orderId": name }))
            .await
            .unwrap();
        assert_eq!(
            ended(&client, &execution_arn(&machine, name)).await,
            ExecutionStatus::Failed
        );
    }

    let mut failed = workflow.failed_since(before).await.unwrap();
    failed.sort_unstable();
    let later = time::OffsetDateTime::now_utc() + time::Duration::minutes(1);

    assert_eq!(failed, ["o-7", "o-8"]);
    assert_eq!(
        workflow.failed_since(later).await.unwrap(),
        Vec::<String>::new()
    );
}
