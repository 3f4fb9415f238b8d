//! The workflow port: starting the checkout saga and resuming its waiting tasks.
//!
//! On AWS it is Step Functions ([`crate::adapters::stepfunctions`]); on one machine it is
//! the local shop's in-process runner of the same ASL file.

use async_trait::async_trait;
use serde_json::Value;

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
}
