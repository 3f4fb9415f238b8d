//! The runner: starts executions, completes their task tokens, times their tasks out,
//! resumes them after a restart, and shows them.

use std::sync::{Arc, Mutex, Weak};

use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::{JoinHandle, JoinSet};
use tracing::Instrument;

use mambogo::domain::clock::Clock;

use super::definition::StateMachine;
use super::driver::Engine;
use super::history::{ExecutionStatus, ExecutionView};
use super::port::{LocalWorkflow, Started, StartedExecutions};
use super::resources::{EventSink, TaskHandler};
use super::store::{Changed, Closing, ExecutionStore, ExecutionStoreError, TaskOutcome};
use crate::telemetry;

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

/// Runs executions of one state machine in-process, persisted in an [`ExecutionStore`]:
/// those its [`LocalWorkflow`] starts, and those a previous runner left. Cheap to clone;
/// dropping the last clone stops every execution where it is, to be resumed by a runner
/// on the same store.
#[derive(Clone)]
pub struct WorkflowRunner {
    inner: Arc<RunnerInner>,
}

struct RunnerInner {
    engine: Arc<Engine>,
    workflow: LocalWorkflow,
    /// One driver per execution being run; dropping the set aborts them.
    drivers: Mutex<JoinSet<()>>,
    /// Receives the executions the workflow starts; it holds the runner only weakly,
    /// and the runner aborts it when it goes.
    listener: JoinHandle<()>,
}

impl Drop for RunnerInner {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl WorkflowRunner {
    /// A runner of `machine`, with a workflow of its own (see [`WorkflowRunner::driving`]).
    pub fn new(
        machine: StateMachine,
        handler: Arc<dyn TaskHandler>,
        events: Arc<dyn EventSink>,
        store: ExecutionStore,
        clock: Arc<dyn Clock>,
        retry_delay_scale: f64,
    ) -> Self {
        let (workflow, started) = LocalWorkflow::new(&machine, store, clock);
        Self::driving(
            machine,
            workflow,
            started,
            handler,
            events,
            retry_delay_scale,
        )
    }

    /// A runner of `machine` driving what `workflow` starts (`started`), whose Lambda
    /// tasks call `handler` and whose PutEvents tasks call `events`. Retry waits take
    /// `IntervalSeconds × BackoffRate^n × retry_delay_scale` real seconds: 1.0 waits as
    /// AWS would, 0.0 retries at once. Must be called within a tokio runtime.
    pub fn driving(
        machine: StateMachine,
        workflow: LocalWorkflow,
        started: StartedExecutions,
        handler: Arc<dyn TaskHandler>,
        events: Arc<dyn EventSink>,
        retry_delay_scale: f64,
    ) -> Self {
        let engine = Arc::new(Engine::new(
            machine,
            handler,
            events,
            workflow.store.clone(),
            Arc::clone(&workflow.clock),
            Arc::clone(&workflow.waiters),
            retry_delay_scale,
        ));
        let inner = Arc::new_cyclic(|weak: &Weak<RunnerInner>| RunnerInner {
            engine,
            workflow,
            drivers: Mutex::default(),
            listener: tokio::spawn(listen(weak.clone(), started)),
        });
        WorkflowRunner { inner }
    }

    /// The workflow port that starts and completes this runner's executions.
    pub fn workflow(&self) -> &LocalWorkflow {
        &self.inner.workflow
    }

    fn engine(&self) -> &Arc<Engine> {
        &self.inner.engine
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
                engine.waiters.deliver(&token, TaskOutcome::TimedOut);
                timed_out += 1;
            }
        }
        Ok(timed_out)
    }

    /// Continues every RUNNING execution of the store that this runner is not driving:
    /// one waiting for a task token keeps waiting (the token still works); one that was
    /// in the middle of a task runs that state again. Returns how many it continued. Their
    /// spans start traces of their own: the spans that started them are gone.
    pub async fn resume_all(&self) -> Result<usize, RunnerError> {
        let mut resumed = 0;
        for (info, position) in self.engine().store.running().await? {
            let resumed_run = Started {
                info,
                position,
                starter: None,
            };
            if self.inner.spawn(resumed_run, true) {
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
            next_change_of(&mut changes, name, |_| true).await?;
        }
    }

    /// Waits, without polling, until the execution `name` has ended; returns it as it
    /// ended. Cheaper than [`WorkflowRunner::wait_until`] with
    /// [`ExecutionView::is_finished`]: it reads the status once, then again only when
    /// the store announces that a change ended the execution.
    pub async fn wait_until_finished(&self, name: &str) -> Result<ExecutionView, RunnerError> {
        let store = &self.engine().store;
        let mut changes = store.subscribe();
        loop {
            if matches!(store.status(name).await?, Some(status) if status != ExecutionStatus::Running)
            {
                if let Some(view) = self.execution(name).await? {
                    return Ok(view);
                }
            }
            next_change_of(&mut changes, name, |changed| changed.ended).await?;
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
}

impl RunnerInner {
    /// Drives the execution on its own task, unless this runner drives it already; its
    /// span continues the trace of the span that started it.
    fn spawn(&self, started: Started, resuming: bool) -> bool {
        let Started {
            info,
            position,
            starter,
        } = started;
        let Some(claim) = self.engine.claim(&info.name) else {
            return false;
        };
        let span = tracing::info_span!("execution", execution = %info.name);
        if let Some(starter) = starter {
            telemetry::continue_from(&span, starter);
        }
        let driver = Arc::clone(&self.engine).drive(claim, info, position, resuming);
        let mut drivers = self
            .drivers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while drivers.try_join_next().is_some() {}
        drivers.spawn(driver.instrument(span));
        true
    }
}

/// Drives each execution the workflow starts, for as long as the runner lives.
async fn listen(runner: Weak<RunnerInner>, mut started: StartedExecutions) {
    while let Some(execution) = started.0.recv().await {
        let Some(runner) = runner.upgrade() else {
            return;
        };
        runner.spawn(execution, false);
    }
}

/// Returns once the store announces a change of the execution `name` that `wanted`
/// picks (or may have: a waiter that fell behind cannot tell).
async fn next_change_of(
    changes: &mut broadcast::Receiver<Changed>,
    name: &str,
    wanted: impl Fn(&Changed) -> bool,
) -> Result<(), RunnerError> {
    loop {
        match changes.recv().await {
            Ok(changed) if *changed.execution == *name && wanted(&changed) => return Ok(()),
            Ok(_) => {}
            Err(RecvError::Lagged(_)) => return Ok(()),
            Err(RecvError::Closed) => {
                return Err(
                    ExecutionStoreError::Unavailable("the store was closed".to_owned()).into(),
                )
            }
        }
    }
}
