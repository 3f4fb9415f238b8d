//! The checkout saga's workflow behind a function's `workflow` grants.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;

use super::{refusal, traced};
use crate::adapters::access::manifest::WorkflowAction;
use crate::domain::workflow::{ExecutionReport, StartOutcome, Workflow, WorkflowError};

/// A [`Workflow`] that allows only the actions granted to the function: `start` for
/// [`Workflow::start`], `callback` for completing tasks, `describe` for
/// [`Workflow::describe`] and [`Workflow::failed_since`].
pub struct GuardedWorkflow {
    inner: Arc<dyn Workflow>,
    function: String,
    actions: BTreeSet<WorkflowAction>,
}

impl GuardedWorkflow {
    /// `inner`, for `function`, which may take `actions`.
    pub fn new(
        inner: Arc<dyn Workflow>,
        function: &str,
        actions: BTreeSet<WorkflowAction>,
    ) -> Self {
        GuardedWorkflow {
            inner,
            function: function.to_owned(),
            actions,
        }
    }

    fn check(&self, action: WorkflowAction) -> Result<(), WorkflowError> {
        if self.actions.contains(&action) {
            return Ok(());
        }
        Err(WorkflowError::NotGranted(refusal(
            &self.function,
            &format!("use the workflow action {action}"),
        )))
    }
}

#[async_trait]
impl Workflow for GuardedWorkflow {
    async fn start(
        &self,
        execution_name: &str,
        input: Value,
    ) -> Result<StartOutcome, WorkflowError> {
        self.check(WorkflowAction::Start)?;
        traced(
            "workflow",
            "checkout",
            "start",
            self.inner.start(execution_name, input),
        )
        .await
    }

    async fn send_task_success(
        &self,
        task_token: &str,
        output: Value,
    ) -> Result<(), WorkflowError> {
        self.check(WorkflowAction::Callback)?;
        traced(
            "workflow",
            "checkout",
            "send_task_success",
            self.inner.send_task_success(task_token, output),
        )
        .await
    }

    async fn send_task_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError> {
        self.check(WorkflowAction::Callback)?;
        traced(
            "workflow",
            "checkout",
            "send_task_failure",
            self.inner.send_task_failure(task_token, error, cause),
        )
        .await
    }

    async fn describe(
        &self,
        execution_name: &str,
    ) -> Result<Option<ExecutionReport>, WorkflowError> {
        self.check(WorkflowAction::Describe)?;
        traced(
            "workflow",
            "checkout",
            "describe",
            self.inner.describe(execution_name),
        )
        .await
    }

    async fn failed_since(&self, since: OffsetDateTime) -> Result<Vec<String>, WorkflowError> {
        self.check(WorkflowAction::Describe)?;
        traced(
            "workflow",
            "checkout",
            "failed_since",
            self.inner.failed_since(since),
        )
        .await
    }
}
