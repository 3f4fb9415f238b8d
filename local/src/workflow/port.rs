//! The workflow port of the local shop: what the shop's services call to start
//! executions, complete their task tokens and describe them. It writes to the execution
//! store and tells the [`WorkflowRunner`](super::WorkflowRunner) what to drive; it holds
//! neither the runner nor the task handlers, so services that use it can be handed to
//! the runner's handlers without a cycle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use mambogo::domain::clock::Clock;
use mambogo::domain::workflow::{
    ExecutionEvent, ExecutionReport, StartOutcome, Workflow, WorkflowError,
};

use opentelemetry::trace::SpanContext;

use super::definition::StateMachine;
use super::errors::TaskFailure;
use super::store::{Closing, ExecutionInfo, ExecutionStore, Position, TaskOutcome};
use crate::telemetry;

/// An execution just created, for the runner to drive.
pub(crate) struct Started {
    pub info: ExecutionInfo,
    pub position: Position,
    /// The span that started it, whose trace the execution's spans continue; `None`
    /// when spans are not exported.
    pub starter: Option<SpanContext>,
}

/// The executions [`LocalWorkflow`] starts, as the runner receives them.
pub struct StartedExecutions(pub(crate) mpsc::UnboundedReceiver<Started>);

/// Task attempts whose driver waits for them to be closed from outside (a token
/// completed, a deadline passed), by token.
#[derive(Default)]
pub(crate) struct TaskWaiters(Mutex<HashMap<String, oneshot::Sender<TaskOutcome>>>);

impl TaskWaiters {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, oneshot::Sender<TaskOutcome>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for the attempt `token` to be closed from outside.
    pub(crate) fn register(&self, token: &str) -> oneshot::Receiver<TaskOutcome> {
        let (sender, receiver) = oneshot::channel();
        self.lock().insert(token.to_owned(), sender);
        receiver
    }

    /// Stops waiting for the attempt `token`.
    pub(crate) fn forget(&self, token: &str) {
        self.lock().remove(token);
    }

    /// Hands `outcome` to the driver waiting on the attempt `token`, if any. The outcome
    /// is persisted already, so a driver that is not there finds it on resume.
    pub(crate) fn deliver(&self, token: &str, outcome: TaskOutcome) {
        if let Some(sender) = self.lock().remove(token) {
            sender.send(outcome).ok();
        }
    }
}

/// [`Workflow`] for one state machine, persisted in an [`ExecutionStore`]. Cheap to clone.
#[derive(Clone)]
pub struct LocalWorkflow {
    pub(crate) store: ExecutionStore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) waiters: Arc<TaskWaiters>,
    start_at: String,
    started: mpsc::UnboundedSender<Started>,
}

impl LocalWorkflow {
    /// The workflow of `machine`, persisted in `store`, timed by `clock`; the executions
    /// it starts are received by the runner that drives them.
    pub fn new(
        machine: &StateMachine,
        store: ExecutionStore,
        clock: Arc<dyn Clock>,
    ) -> (LocalWorkflow, StartedExecutions) {
        let (started, receiver) = mpsc::unbounded_channel();
        let workflow = LocalWorkflow {
            store,
            clock,
            waiters: Arc::default(),
            start_at: machine.start_at.clone(),
            started,
        };
        (workflow, StartedExecutions(receiver))
    }

    async fn complete(&self, task_token: &str, outcome: TaskOutcome) -> Result<(), WorkflowError> {
        let closing = self
            .store
            .close_task(task_token, outcome.clone(), true, self.clock.now())
            .await
            .map_err(|error| WorkflowError::Unavailable(error.to_string()))?;
        match closing {
            Closing::Closed => {
                self.waiters.deliver(task_token, outcome);
                Ok(())
            }
            Closing::AlreadyClosed(_) => Err(WorkflowError::TaskClosed),
            Closing::Unknown => Err(WorkflowError::InvalidToken),
        }
    }
}

#[async_trait]
impl Workflow for LocalWorkflow {
    async fn start(
        &self,
        execution_name: &str,
        input: Value,
    ) -> Result<StartOutcome, WorkflowError> {
        let created = self
            .store
            .create(execution_name, input, &self.start_at, self.clock.now())
            .await
            .map_err(|error| WorkflowError::Unavailable(error.to_string()))?;
        let Some((info, position)) = created else {
            return Ok(StartOutcome::AlreadyStarted);
        };
        // A runner that has gone leaves the execution RUNNING in the store, where the
        // next runner on it resumes it.
        let starter = telemetry::current_span_context();
        self.started
            .send(Started {
                info,
                position,
                starter,
            })
            .ok();
        Ok(StartOutcome::Started)
    }

    async fn send_task_success(
        &self,
        task_token: &str,
        output: Value,
    ) -> Result<(), WorkflowError> {
        self.complete(task_token, TaskOutcome::Succeeded(output))
            .await
    }

    async fn send_task_failure(
        &self,
        task_token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError> {
        self.complete(
            task_token,
            TaskOutcome::Failed(TaskFailure::new(error, cause)),
        )
        .await
    }

    async fn failed_since(&self, since: OffsetDateTime) -> Result<Vec<String>, WorkflowError> {
        self.store
            .failed_since(since)
            .await
            .map_err(|error| WorkflowError::Unavailable(error.to_string()))
    }

    async fn describe(
        &self,
        execution_name: &str,
    ) -> Result<Option<ExecutionReport>, WorkflowError> {
        let view = self
            .store
            .view(execution_name)
            .await
            .map_err(|error| WorkflowError::Unavailable(error.to_string()))?;
        Ok(view.map(|view| ExecutionReport {
            name: view.name,
            status: view.status.as_str().to_owned(),
            input: view.input,
            output: view.output,
            error: view.error,
            cause: view.cause,
            history: view
                .history
                .into_iter()
                .map(|event| ExecutionEvent {
                    id: event.id,
                    kind: event.kind.as_str().to_owned(),
                    timestamp: event.timestamp,
                    state: event.state,
                    details: event.details,
                })
                .collect(),
        }))
    }
}
