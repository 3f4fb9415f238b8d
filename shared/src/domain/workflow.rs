//! The workflow port: starting the checkout saga and resuming its waiting tasks.
//!
//! On AWS it is Step Functions ([`crate::adapters::stepfunctions`]); on one machine it is
//! the local shop's in-process runner of the same ASL file.

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

/// What a start did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartOutcome {
    /// A new execution was started.
    Started,
    /// An execution with this name exists already; nothing was started.
    AlreadyStarted,
}

/// How the workflow engine refused or failed a request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkflowError {
    /// The task token was never issued, or is malformed.
    #[error("the task token is not valid")]
    InvalidToken,
    /// The task already finished or timed out; callers treat this as "nothing to do".
    #[error("the task has already finished or timed out")]
    TaskClosed,
    /// The engine could not be reached or failed; worth retrying later.
    #[error("the workflow engine is unavailable: {0}")]
    Unavailable(String),
    /// The engine refused the request for now: more requests than it takes per second
    /// (Step Functions throttles StartExecution per account and region). Retrying after
    /// a while succeeds.
    #[error("the workflow engine is throttling requests: {0}")]
    Throttled(String),
    /// The function was not granted this workflow action in `functions/manifest.json` (see
    /// [`crate::adapters::access`]); retrying cannot help.
    #[error("{0}")]
    NotGranted(String),
}

/// One entry of an execution's history, as operators see it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionEvent {
    pub id: u64,
    /// What happened, in the engine's words (`TaskStateEntered`, `TaskFailed`, …).
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub details: Value,
}

/// An execution and its history, for operators.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionReport {
    pub name: String,
    /// RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
    pub status: String,
    pub input: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    pub history: Vec<ExecutionEvent>,
}

/// Starts executions of one state machine and completes their callback tasks.
#[async_trait]
pub trait Workflow: Send + Sync {
    /// Starts an execution named `execution_name` with `input`. The name is the
    /// idempotency key: a retried start with the same name starts nothing new.
    async fn start(
        &self,
        execution_name: &str,
        input: Value,
    ) -> Result<StartOutcome, WorkflowError>;

    /// Completes the `.waitForTaskToken` task holding `task_token`; `output` becomes the
    /// task's result.
    async fn send_task_success(&self, task_token: &str, output: Value)
        -> Result<(), WorkflowError>;

    /// Fails the `.waitForTaskToken` task holding `task_token` with the error name `error`
    /// (what the state's `Retry` and `Catch` match) and a human-readable `cause`.
    async fn send_task_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError>;

    /// The execution named `execution_name` with its history; `None` if there is none.
    async fn describe(
        &self,
        execution_name: &str,
    ) -> Result<Option<ExecutionReport>, WorkflowError>;

    /// The names of the executions that failed, of those started at `since` or later.
    async fn failed_since(&self, since: OffsetDateTime) -> Result<Vec<String>, WorkflowError>;
}
