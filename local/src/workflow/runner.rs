//! The runner: starts executions, completes their task tokens, times their tasks out,
//! resumes them after a restart, and shows them.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::Value;
use tokio::task::JoinSet;
use tracing::Instrument;

use mambogo::domain::clock::Clock;
use mambogo::domain::workflow::{
    ExecutionEvent, ExecutionReport, StartOutcome, Workflow, WorkflowError,
};

use super::definition::StateMachine;
use super::driver::Engine;
use super::errors::TaskFailure;
use super::history::{ExecutionStatus, ExecutionView};
use super::resources::{EventSink, TaskHandler};
use super::store::{
    Closing, ExecutionInfo, ExecutionStore, ExecutionStoreError, Position, TaskOutcome,
};

/// Why a runner request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunnerError {
    /// The execution store failed.
    #[error(transparent)]
    Store(#[from] ExecutionStoreError),
    /// The execution ended without reaching a `.waitForTaskToken` task.
    #[error("execution {name} ended ({status}) without waiting for a task token")]
    NotWaiting {
        /// The execution.
        name: String,
        /// How it ended.
        status: ExecutionStatus,
    },
}

/// Runs executions of one state machine in-process, persisted in an [`ExecutionStore`].
/// Cheap to clone; dropping the last clone stops every execution where it is, to be
/// resumed by a runner on the same store.
#[derive(Clone)]
pub struct WorkflowRunner {
    inner: Arc<RunnerInner>,
}

struct RunnerInner {
    engine: Arc<Engine>,
    /// One driver per execution being run; dropping the set aborts them.
    drivers: Mutex<JoinSet<()>>,
}

impl WorkflowRunner {
    /// A runner of `machine` whose Lambda tasks call `handler` and whose PutEvents tasks
    /// call `events`. Retry waits take `IntervalSeconds × BackoffRate^n × retry_delay_scale`
    /// real seconds: 1.0 waits as AWS would, 0.0 retries at once.
    pub fn new(
        machine: StateMachine,
        handler: Arc<dyn TaskHandler>,
        events: Arc<dyn EventSink>,
        store: ExecutionStore,
        clock: Arc<dyn Clock>,
        retry_delay_scale: f64,
    ) -> Self {
        let engine = Engine::new(machine, handler, events, store, clock, retry_delay_scale);
        WorkflowRunner {
            inner: Arc::new(RunnerInner {
                engine: Arc::new(engine),
                drivers: Mutex::default(),
            }),
        }
    }

    fn engine(&self) -> &Arc<Engine> {
        &self.inner.engine
    }

    /// Drives the execution on its own task, unless this runner drives it already.
    fn spawn(&self, info: ExecutionInfo, position: Position, resuming: bool) -> bool {
        let Some(claim) = self.engine().claim(&info.name) else {
            return false;
        };
        let span = tracing::info_span!("execution", execution = %info.name);
        let driver = Arc::clone(self.engine()).drive(claim, info, position, resuming);
        let mut drivers = self
            .inner
            .drivers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while drivers.try_join_next().is_some() {}
        drivers.spawn(driver.instrument(span));
        true
    }

    /// Stops driving every execution where it is, as a crash would; a runner on the same
    /// store continues them with [`WorkflowRunner::resume_all`].
    pub fn stop(&self) {
        self.inner
            .drivers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .abort_all();
    }

    /// Fails every open task whose deadline is at or before the clock's now with
    /// `States.Timeout`, and lets their executions go on; returns how many timed out.
    pub async fn tick(&self) -> Result<usize, RunnerError> {
        let engine = self.engine();
        let now = engine.clock.now();
        let mut timed_out = 0;
        for token in engine.store.expired_tasks(now).await? {
            let closing = engine
                .store
                .close_task(&token, TaskOutcome::TimedOut, false, now)
                .await?;
            if closing == Closing::Closed {
                engine.deliver(&token, TaskOutcome::TimedOut);
                timed_out += 1;
            }
        }
        Ok(timed_out)
    }

    /// Continues every RUNNING execution of the store that this runner is not driving:
    /// one waiting for a task token keeps waiting (the token still works); one that was
    /// in the middle of a task runs that state again. Returns how many it continued.
    pub async fn resume_all(&self) -> Result<usize, RunnerError> {
        let mut resumed = 0;
        for (info, position) in self.engine().store.running().await? {
            if self.spawn(info, position, true) {
                resumed += 1;
            }
        }
        Ok(resumed)
    }

    /// The execution named `name`, with its history.
    pub async fn execution(&self, name: &str) -> Result<Option<ExecutionView>, RunnerError> {
        Ok(self.engine().store.view(name).await?)
    }

    /// Waits, without polling, until the execution `name` exists and `condition` holds
    /// for it; returns it as it was then.
    pub async fn wait_until(
        &self,
        name: &str,
        condition: impl Fn(&ExecutionView) -> bool,
    ) -> Result<ExecutionView, RunnerError> {
        let mut changes = self.engine().store.subscribe();
        loop {
            if let Some(view) = self.execution(name).await? {
                if condition(&view) {
                    return Ok(view);
                }
            }
            if changes.changed().await.is_err() {
                return Err(
                    ExecutionStoreError::Unavailable("the store was closed".to_owned()).into(),
                );
            }
        }
    }

    /// Waits until the execution `name` waits on a `.waitForTaskToken` task whose
    /// resource has been called, and returns that task's token.
    pub async fn wait_for_task_token(&self, name: &str) -> Result<String, RunnerError> {
        let view = self
            .wait_until(name, |view| view.task_token.is_some() || view.is_finished())
            .await?;
        view.task_token.ok_or(RunnerError::NotWaiting {
            name: view.name,
            status: view.status,
        })
    }

    async fn complete(&self, task_token: &str, outcome: TaskOutcome) -> Result<(), WorkflowError> {
        let engine = self.engine();
        let closing = engine
            .store
            .close_task(task_token, outcome.clone(), true, engine.clock.now())
            .await
            .map_err(|error| WorkflowError::Unavailable(error.to_string()))?;
        match closing {
            Closing::Closed => {
                engine.deliver(task_token, outcome);
                Ok(())
            }
            Closing::AlreadyClosed(_) => Err(WorkflowError::TaskClosed),
            Closing::Unknown => Err(WorkflowError::InvalidToken),
        }
    }
}

#[async_trait]
impl Workflow for WorkflowRunner {
    async fn start(
        &self,
        execution_name: &str,
        input: Value,
    ) -> Result<StartOutcome, WorkflowError> {
        let engine = self.engine();
        let created = engine
            .store
            .create(
                execution_name,
                input,
                &engine.machine.start_at,
                engine.clock.now(),
            )
            .await
            .map_err(|error| WorkflowError::Unavailable(error.to_string()))?;
        let Some((info, position)) = created else {
            return Ok(StartOutcome::AlreadyStarted);
        };
        self.spawn(info, position, false);
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

    async fn describe(
        &self,
        execution_name: &str,
    ) -> Result<Option<ExecutionReport>, WorkflowError> {
        let view = self
            .execution(execution_name)
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
