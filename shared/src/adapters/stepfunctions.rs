//! Running workflows on AWS Step Functions.
//!
//! A start is idempotent by execution name. Step Functions itself answers a repeated
//! StartExecution with the same name *and the same input* while the first execution is
//! still running with success (the same execution), which this adapter cannot tell from
//! a fresh start and reports as [`StartOutcome::Started`]; a repeat with another input,
//! or after the first execution finished, is `ExecutionAlreadyExists` and reported as
//! [`StartOutcome::AlreadyStarted`]. Either way no second execution runs.

use std::error::Error;
use std::fmt::Debug;

use async_trait::async_trait;
use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sfn::operation::describe_execution::DescribeExecutionError;
use aws_sdk_sfn::operation::send_task_failure::SendTaskFailureError;
use aws_sdk_sfn::operation::send_task_success::SendTaskSuccessError;
use aws_sdk_sfn::operation::start_execution::StartExecutionError;
use aws_sdk_sfn::types::ExecutionStatus;
use aws_sdk_sfn::Client;
use serde_json::Value;
use time::OffsetDateTime;

use crate::adapters::aws_error::described;
use crate::domain::workflow::{
    ExecutionEvent, ExecutionReport, StartOutcome, Workflow, WorkflowError,
};

/// The error code of a request Step Functions throttled.
const THROTTLED: &str = "ThrottlingException";
/// The longest `error` SendTaskFailure accepts, in characters.
const MAX_ERROR_CHARS: usize = 256;
/// The longest `cause` SendTaskFailure accepts, in characters.
const MAX_CAUSE_CHARS: usize = 32_768;

/// Executions of one Step Functions state machine.
#[derive(Clone, Debug)]
pub struct StepFunctionsWorkflow {
    client: Client,
    state_machine_arn: String,
}

/// How many executions one ListExecutions page holds, its maximum.
const LIST_PAGE: i32 = 1_000;

/// The most history events [`Workflow::describe`] shows; the checkout saga's run to about 60.
const MAX_HISTORY_EVENTS: i32 = 1_000;

impl StepFunctionsWorkflow {
    /// Starts executions of the state machine `state_machine_arn` through `client`.
    pub fn new(client: Client, state_machine_arn: impl Into<String>) -> Self {
        StepFunctionsWorkflow {
            client,
            state_machine_arn: state_machine_arn.into(),
        }
    }

    /// The ARN of this state machine's execution `name`
    /// (`arn:aws:states:<region>:<account>:execution:<machine>:<name>`).
    fn execution_arn(&self, name: &str) -> String {
        format!(
            "{}:{name}",
            self.state_machine_arn
                .replacen(":stateMachine:", ":execution:", 1)
        )
    }
}

fn timestamp(time: &aws_sdk_sfn::primitives::DateTime) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(time.secs())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

fn parsed(json: Option<&str>) -> Option<Value> {
    json.map(|text| serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())))
}

#[async_trait]
impl Workflow for StepFunctionsWorkflow {
    async fn start(
        &self,
        execution_name: &str,
        input: Value,
    ) -> Result<StartOutcome, WorkflowError> {
        let result = self
            .client
            .start_execution()
            .state_machine_arn(&self.state_machine_arn)
            .name(execution_name)
            .input(input.to_string())
            .send()
            .await;
        match result {
            Ok(_) => Ok(StartOutcome::Started),
            Err(error) => match error.as_service_error() {
                Some(StartExecutionError::ExecutionAlreadyExists(_)) => {
                    Ok(StartOutcome::AlreadyStarted)
                }
                // The SDK has retried throttling already; past that it is the caller's
                // to wait longer. Too many open executions is the same for a caller.
                Some(StartExecutionError::ExecutionLimitExceeded(_)) => Err(throttled(error)),
                Some(refusal) if refusal.code() == Some(THROTTLED) => Err(throttled(error)),
                _ => Err(unavailable(error)),
            },
        }
    }

    async fn send_task_success(
        &self,
        task_token: &str,
        output: Value,
    ) -> Result<(), WorkflowError> {
        self.client
            .send_task_success()
            .task_token(task_token)
            .output(output.to_string())
            .send()
            .await
            .map(|_| ())
            .map_err(
                |error| match error.as_service_error().and_then(success_refusal) {
                    Some(refusal) => refusal,
                    None => unavailable(error),
                },
            )
    }

    async fn send_task_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError> {
        self.client
            .send_task_failure()
            .task_token(task_token)
            .error(truncated(error, MAX_ERROR_CHARS))
            .cause(truncated(cause, MAX_CAUSE_CHARS))
            .send()
            .await
            .map(|_| ())
            .map_err(
                |error| match error.as_service_error().and_then(failure_refusal) {
                    Some(refusal) => refusal,
                    None => unavailable(error),
                },
            )
    }

    async fn failed_since(&self, since: OffsetDateTime) -> Result<Vec<String>, WorkflowError> {
        // ListExecutions answers newest first: the listing stops at the first older one.
        let mut names = Vec::new();
        let mut next_token = None;
        loop {
            let page = self
                .client
                .list_executions()
                .state_machine_arn(&self.state_machine_arn)
                .status_filter(ExecutionStatus::Failed)
                .max_results(LIST_PAGE)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(unavailable)?;
            for execution in page.executions() {
                if timestamp(execution.start_date()) < since {
                    return Ok(names);
                }
                names.push(execution.name().to_owned());
            }
            next_token = page.next_token().map(str::to_owned);
            if next_token.is_none() {
                return Ok(names);
            }
        }
    }

    async fn describe(
        &self,
        execution_name: &str,
    ) -> Result<Option<ExecutionReport>, WorkflowError> {
        let arn = self.execution_arn(execution_name);
        let execution = match self
            .client
            .describe_execution()
            .execution_arn(&arn)
            .send()
            .await
        {
            Ok(execution) => execution,
            Err(error) => {
                return match error.as_service_error() {
                    Some(DescribeExecutionError::ExecutionDoesNotExist(_)) => Ok(None),
                    _ => Err(unavailable(error)),
                }
            }
        };
        let history = self
            .client
            .get_execution_history()
            .execution_arn(&arn)
            .max_results(MAX_HISTORY_EVENTS)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(Some(ExecutionReport {
            name: execution_name.to_owned(),
            status: execution.status().as_str().to_owned(),
            input: parsed(execution.input()).unwrap_or(Value::Null),
            output: parsed(execution.output()),
            error: execution.error().map(str::to_owned),
            cause: execution.cause().map(str::to_owned),
            history: history
                .events()
                .iter()
                .map(|event| ExecutionEvent {
                    id: u64::try_from(event.id()).unwrap_or(0),
                    kind: event.r#type().as_str().to_owned(),
                    timestamp: timestamp(event.timestamp()),
                    state: event
                        .state_entered_event_details()
                        .map(|details| details.name().to_owned()),
                    details: Value::Null,
                })
                .collect(),
        }))
    }
}

/// What a refused SendTaskSuccess means to the caller, if it is not a transient failure.
fn success_refusal(error: &SendTaskSuccessError) -> Option<WorkflowError> {
    match error {
        SendTaskSuccessError::InvalidToken(_) => Some(WorkflowError::InvalidToken),
        SendTaskSuccessError::TaskDoesNotExist(_) | SendTaskSuccessError::TaskTimedOut(_) => {
            Some(WorkflowError::TaskClosed)
        }
        _ => None,
    }
}

/// What a refused SendTaskFailure means to the caller, if it is not a transient failure.
fn failure_refusal(error: &SendTaskFailureError) -> Option<WorkflowError> {
    match error {
        SendTaskFailureError::InvalidToken(_) => Some(WorkflowError::InvalidToken),
        SendTaskFailureError::TaskDoesNotExist(_) | SendTaskFailureError::TaskTimedOut(_) => {
            Some(WorkflowError::TaskClosed)
        }
        _ => None,
    }
}

fn unavailable<E, R>(error: SdkError<E, R>) -> WorkflowError
where
    E: Error + ProvideErrorMetadata + 'static,
    R: Debug,
{
    WorkflowError::Unavailable(described("Step Functions", &error))
}

fn throttled<E, R>(error: SdkError<E, R>) -> WorkflowError
where
    E: Error + ProvideErrorMetadata + 'static,
    R: Debug,
{
    WorkflowError::Throttled(described("Step Functions", &error))
}

/// `text` cut to at most `max_chars` characters, so that a long cause never turns a
/// failure report into a validation error.
fn truncated(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_sfn::types::error::{InvalidOutput, InvalidToken, TaskDoesNotExist, TaskTimedOut};

    use super::*;

    #[test]
    fn success_refusals_map_to_the_port_errors() {
        let cases = [
            (
                SendTaskSuccessError::InvalidToken(InvalidToken::builder().build()),
                Some(WorkflowError::InvalidToken),
            ),
            (
                SendTaskSuccessError::TaskDoesNotExist(TaskDoesNotExist::builder().build()),
                Some(WorkflowError::TaskClosed),
            ),
            (
                SendTaskSuccessError::TaskTimedOut(TaskTimedOut::builder().build()),
                Some(WorkflowError::TaskClosed),
            ),
            (
                SendTaskSuccessError::InvalidOutput(InvalidOutput::builder().build()),
                None,
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(success_refusal(&error), expected, "{error:?}");
        }
    }

    #[test]
    fn failure_refusals_map_to_the_port_errors() {
        let cases = [
            (
                SendTaskFailureError::InvalidToken(InvalidToken::builder().build()),
                Some(WorkflowError::InvalidToken),
            ),
            (
                SendTaskFailureError::TaskDoesNotExist(TaskDoesNotExist::builder().build()),
                Some(WorkflowError::TaskClosed),
            ),
            (
                SendTaskFailureError::TaskTimedOut(TaskTimedOut::builder().build()),
                Some(WorkflowError::TaskClosed),
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(failure_refusal(&error), expected, "{error:?}");
        }
    }

    #[test]
    fn long_texts_are_cut_on_character_boundaries() {
        assert_eq!(truncated("déclinée", 3), "déc");
        assert_eq!(truncated("short", 256), "short");
    }
}
