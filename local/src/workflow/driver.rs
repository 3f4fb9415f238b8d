//! Driving one execution from the state it is in to its end, persisting every transition
//! before the next state runs.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tracing::Instrument;

use mambogo::domain::clock::Clock;

use super::catch::catcher_for;
use super::definition::{
    ChoiceState, PassState, State, StateMachine, TaskState, Timeout, Transition,
};
use super::errors::{RetryCounts, TaskFailure, STATES_NO_CHOICE_MATCHED, STATES_TASK_FAILED};
use super::history::HistoryEventKind;
use super::paths::select;
use super::port::TaskWaiters;
use super::resources::{EventSink, Resource, TaskHandler};
use super::store::{
    Closing, Ending, ExecutionInfo, ExecutionStore, ExecutionStoreError, Position, ScheduledTask,
    TaskOutcome, TaskStatus,
};

/// The name in the ARNs the context object shows.
const STATE_MACHINE_NAME: &str = "local";
const ARN_PREFIX: &str = "arn:aws:states:local:000000000000";

/// Everything the executions of one runner share.
pub(crate) struct Engine {
    pub(crate) machine: StateMachine,
    pub(crate) handler: Arc<dyn TaskHandler>,
    pub(crate) events: Arc<dyn EventSink>,
    pub(crate) store: ExecutionStore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) retry_delay_scale: f64,
    /// Task attempts whose driver waits for them to be closed from outside, shared with
    /// the [`LocalWorkflow`](super::port::LocalWorkflow) that completes them.
    pub(crate) waiters: Arc<TaskWaiters>,
    /// The executions a driver of this runner is driving.
    active: Mutex<HashSet<String>>,
    /// Calls of task resources, which outlive a timed-out attempt; aborted when the
    /// engine goes.
    calls: Mutex<JoinSet<()>>,
}

/// What a state decided.
enum Step {
    Next { state: String, output: Value },
    Succeed(Value),
    Fail(TaskFailure),
}

/// Why a driver stops before its execution ends.
enum Halt {
    /// The store failed; the execution stays RUNNING and resumes after a restart.
    Store(ExecutionStoreError),
    /// Someone else has taken the execution over.
    Superseded,
}

impl From<ExecutionStoreError> for Halt {
    fn from(error: ExecutionStoreError) -> Self {
        Halt::Store(error)
    }
}

/// Marks an execution as driven by this runner for as long as it lives.
pub(crate) struct Claim {
    engine: Arc<Engine>,
    name: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        lock(&self.engine.active).remove(&self.name);
    }
}

/// A registration to hear how a task attempt was closed from outside.
struct Waiter<'a> {
    engine: &'a Engine,
    token: String,
    receiver: oneshot::Receiver<TaskOutcome>,
}

impl Waiter<'_> {
    async fn outcome(&mut self) -> Result<TaskOutcome, Halt> {
        (&mut self.receiver).await.map_err(|_| Halt::Superseded)
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.engine.waiters.forget(&self.token);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Engine {
    /// An engine for `machine`.
    pub(crate) fn new(
        machine: StateMachine,
        handler: Arc<dyn TaskHandler>,
        events: Arc<dyn EventSink>,
        store: ExecutionStore,
        clock: Arc<dyn Clock>,
        waiters: Arc<TaskWaiters>,
        retry_delay_scale: f64,
    ) -> Self {
        Engine {
            machine,
            handler,
            events,
            store,
            clock,
            retry_delay_scale,
            waiters,
            active: Mutex::default(),
            calls: Mutex::default(),
        }
    }

    /// Claims the execution `name` for a driver; `None` if one is driving it already.
    pub(crate) fn claim(self: &Arc<Self>, name: &str) -> Option<Claim> {
        lock(&self.active).insert(name.to_owned()).then(|| Claim {
            engine: Arc::clone(self),
            name: name.to_owned(),
        })
    }

    /// Runs the execution from `position` until it ends or cannot go on. With
    /// `resuming`, the first state continues what a previous runner left.
    pub(crate) async fn drive(
        self: Arc<Self>,
        claim: Claim,
        info: ExecutionInfo,
        mut position: Position,
        mut resuming: bool,
    ) {
        let _claim = claim;
        loop {
            let step = match self.run_state(&info, &position, resuming).await {
                Ok(step) => step,
                Err(Halt::Store(error)) => {
                    tracing::error!(%error, "the execution stopped; it resumes after a restart");
                    return;
                }
                Err(Halt::Superseded) => return,
            };
            resuming = false;
            let now = self.clock.now();
            let ending = match step {
                Step::Next { state, output } => {
                    match self
                        .store
                        .advance(&info.name, &position, output, &state, now)
                        .await
                    {
                        Ok(Some(next)) => {
                            position = next;
                            continue;
                        }
                        Ok(None) => return,
                        Err(error) => {
                            tracing::error!(%error, "cannot persist a transition");
                            return;
                        }
                    }
                }
                Step::Succeed(output) => Ending::Succeeded(output),
                Step::Fail(failure) => Ending::Failed(failure),
            };
            if let Err(error) = self.store.finish(&info.name, &position, ending, now).await {
                tracing::error!(%error, "cannot persist the end of the execution");
            }
            return;
        }
    }

    async fn run_state(
        &self,
        info: &ExecutionInfo,
        position: &Position,
        resuming: bool,
    ) -> Result<Step, Halt> {
        let Some(state) = self.machine.state(&position.state) else {
            return Ok(Step::Fail(TaskFailure::runtime(format!(
                "the execution is in the state {:?}, which the definition does not have",
                position.state
            ))));
        };
        let context = context_object(info, position, 0, None);
        let input = position.input.clone();
        let decided = match state {
            State::Task(task) => return self.run_task(info, position, task, resuming).await,
            State::Pass(pass) => run_pass(pass, input, &context),
            State::Choice(choice) => run_choice(choice, input, &context),
            State::Succeed(succeed) => select(&succeed.input_path, input, &context)
                .and_then(|effective| select(&succeed.output_path, effective, &context))
                .map(Step::Succeed),
            State::Fail(fail) => Ok(Step::Fail(TaskFailure::new(
                fail.error.clone().unwrap_or_default(),
                fail.cause.clone().unwrap_or_default(),
            ))),
        };
        Ok(decided.unwrap_or_else(Step::Fail))
    }

    /// Runs a Task state: attempts, retries, and catches.
    async fn run_task(
        &self,
        info: &ExecutionInfo,
        position: &Position,
        task: &TaskState,
        resuming: bool,
    ) -> Result<Step, Halt> {
        let mut retries = RetryCounts::new(&task.retry);
        let mut retry_count = 0_u32;
        let mut recovered = if resuming {
            self.recover(position, &info.name).await?
        } else {
            None
        };
        loop {
            let outcome = match recovered.take() {
                Some(outcome) => outcome,
                None => self.attempt(info, position, task, retry_count).await?,
            };
            let failure = match outcome {
                TaskOutcome::Succeeded(result) => {
                    let context = context_object(info, position, retry_count, None);
                    match finish_task(task, position.input.clone(), result, &context) {
                        Ok(step) => return Ok(step),
                        Err(failure) => failure,
                    }
                }
                TaskOutcome::Failed(failure) => failure,
                TaskOutcome::TimedOut => TaskFailure::timeout(),
            };
            if let Some(delay) = retries.next_retry(&task.retry, &failure, self.retry_delay_scale) {
                retry_count += 1;
                let details = json!({
                    "error": failure.error,
                    "cause": failure.cause,
                    "retryCount": retry_count,
                    "delaySeconds": delay.as_secs_f64(),
                });
                let now = self.clock.now();
                self.store
                    .record(
                        &info.name,
                        HistoryEventKind::StateRetried,
                        &position.state,
                        details,
                        now,
                    )
                    .await?;
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                continue;
            }
            return Ok(match catcher_for(&task.catch, &failure) {
                Some(catcher) => {
                    match catcher
                        .result_path
                        .apply(position.input.clone(), failure.to_output())
                    {
                        Ok(output) => Step::Next {
                            state: catcher.next.clone(),
                            output,
                        },
                        Err(runtime) => Step::Fail(runtime),
                    }
                }
                None => Step::Fail(failure),
            });
        }
    }

    /// What a previous runner left of the task state at `position`: an outcome to use,
    /// or `None` to run the state again. A callback that was handed out keeps waiting.
    async fn recover(&self, position: &Position, name: &str) -> Result<Option<TaskOutcome>, Halt> {
        let Some(record) = self.store.latest_task(name, position.step).await? else {
            return Ok(None);
        };
        match record.status {
            TaskStatus::Closed(outcome) => Ok(Some(outcome)),
            TaskStatus::Waiting if record.callback => {
                let mut waiter = self.register(&record.token);
                match self
                    .store
                    .task(&record.token)
                    .await?
                    .map(|task| task.status)
                {
                    Some(TaskStatus::Closed(outcome)) => Ok(Some(outcome)),
                    Some(TaskStatus::Waiting) => waiter.outcome().await.map(Some),
                    _ => Ok(None),
                }
            }
            TaskStatus::Starting | TaskStatus::Waiting | TaskStatus::Abandoned => {
                self.store.abandon_task(&record.token).await?;
                Ok(None)
            }
        }
    }

    /// One attempt of a task: persist it with its token and deadline, call its resource,
    /// and wait for its result (or, for a callback, for its token to be completed).
    async fn attempt(
        &self,
        info: &ExecutionInfo,
        position: &Position,
        task: &TaskState,
        retry_count: u32,
    ) -> Result<TaskOutcome, Halt> {
        let token = uuid::Uuid::new_v4().to_string();
        let callback = task.resource.waits_for_task_token;
        let context = context_object(
            info,
            position,
            retry_count,
            callback.then_some(token.as_str()),
        );
        let effective = select(&task.input_path, position.input.clone(), &context);
        let parameters = match (effective, &task.parameters) {
            (Ok(effective), Some(template)) => template.render(&effective, &context),
            (effective, None) => effective,
            (Err(failure), _) => Err(failure),
        };
        let timeout = timeout_seconds(task, &position.input, &context);
        let (parameters, timeout) = match (parameters, timeout) {
            (Ok(parameters), Ok(timeout)) => (parameters, timeout),
            (Err(failure), _) | (_, Err(failure)) => return Ok(TaskOutcome::Failed(failure)),
        };
        let now = self.clock.now();
        // A timeout beyond the calendar is no deadline at all.
        let deadline = timeout
            .and_then(|seconds| i64::try_from(seconds).ok())
            .and_then(|seconds| now.checked_add(time::Duration::seconds(seconds)));
        let mut details = json!({ "resource": task.resource.arn(), "parameters": parameters });
        if callback {
            details["taskToken"] = json!(token);
        }
        if let Some(seconds) = timeout {
            details["timeoutSeconds"] = json!(seconds);
        }
        // Registered before the task is persisted, so that no closing can go unheard.
        let mut waiter = self.register(&token);
        let scheduled = ScheduledTask {
            token: token.clone(),
            execution: info.name.clone(),
            step: position.step,
            state: position.state.clone(),
            callback,
            deadline,
        };
        self.store.schedule_task(scheduled, details, now).await?;
        let call = self.spawn_call(task.resource, parameters);
        let answer = tokio::select! {
            answer = call => answer.unwrap_or_else(|_| Err(TaskFailure::new(
                STATES_TASK_FAILED,
                "the task handler stopped without answering",
            ))),
            outcome = waiter.outcome() => return outcome,
        };
        if callback && answer.is_ok() {
            self.store.task_delivered(&token).await?;
            return waiter.outcome().await;
        }
        let outcome = match answer {
            Ok(result) => TaskOutcome::Succeeded(result),
            Err(failure) => TaskOutcome::Failed(failure),
        };
        match self
            .store
            .close_task(&token, outcome.clone(), false, self.clock.now())
            .await?
        {
            Closing::Closed => Ok(outcome),
            Closing::AlreadyClosed(Some(stored)) => Ok(stored),
            Closing::AlreadyClosed(None) | Closing::Unknown => Err(Halt::Superseded),
        }
    }

    fn register(&self, token: &str) -> Waiter<'_> {
        Waiter {
            engine: self,
            token: token.to_owned(),
            receiver: self.waiters.register(token),
        }
    }

    /// Calls the resource on its own task, so that a timed-out or early-completed
    /// attempt does not cancel the handler halfway; the call runs in the execution's span.
    fn spawn_call(
        &self,
        resource: Resource,
        parameters: Value,
    ) -> oneshot::Receiver<Result<Value, TaskFailure>> {
        let (sender, receiver) = oneshot::channel();
        let handler = Arc::clone(&self.handler);
        let events = Arc::clone(&self.events);
        let mut calls = lock(&self.calls);
        while calls.try_join_next().is_some() {}
        calls.spawn(
            async move {
                sender
                    .send(resource.call(parameters, handler, events).await)
                    .ok();
            }
            .in_current_span(),
        );
        receiver
    }
}

/// The attempt's timeout in seconds; `States.Runtime` if `TimeoutSecondsPath` does not
/// point at a positive integer of the state's input.
fn timeout_seconds(
    task: &TaskState,
    input: &Value,
    context: &Value,
) -> Result<Option<u64>, TaskFailure> {
    match &task.timeout {
        None => Ok(None),
        Some(Timeout::Seconds(seconds)) => Ok(Some(*seconds)),
        Some(Timeout::Path(path)) => path
            .select(input, context)?
            .as_u64()
            .filter(|seconds| *seconds > 0)
            .map(Some)
            .ok_or_else(|| {
                TaskFailure::runtime(format!(
                    "TimeoutSecondsPath '{path}' does not point at a positive integer"
                ))
            }),
    }
}

fn transition(transition: &Transition, output: Value) -> Step {
    match transition {
        Transition::Next(state) => Step::Next {
            state: state.clone(),
            output,
        },
        Transition::End => Step::Succeed(output),
    }
}

fn run_pass(pass: &PassState, input: Value, context: &Value) -> Result<Step, TaskFailure> {
    let effective = select(&pass.input_path, input.clone(), context)?;
    let result = match (&pass.result, &pass.parameters) {
        (Some(result), _) => result.clone(),
        (None, Some(parameters)) => parameters.render(&effective, context)?,
        (None, None) => effective,
    };
    let output = pass.result_path.apply(input, result)?;
    let output = select(&pass.output_path, output, context)?;
    Ok(transition(&pass.transition, output))
}

fn run_choice(choice: &ChoiceState, input: Value, context: &Value) -> Result<Step, TaskFailure> {
    let effective = select(&choice.input_path, input, context)?;
    let mut next = choice.default.as_ref();
    for candidate in &choice.choices {
        if candidate.rule.holds(&effective, context)? {
            next = Some(&candidate.next);
            break;
        }
    }
    let Some(next) = next else {
        return Err(TaskFailure::new(
            STATES_NO_CHOICE_MATCHED,
            "no choice rule matched and the state has no Default",
        ));
    };
    Ok(Step::Next {
        state: next.clone(),
        output: select(&choice.output_path, effective, context)?,
    })
}

/// `ResultSelector`, `ResultPath` and `OutputPath` of a task that returned `result`.
fn finish_task(
    task: &TaskState,
    input: Value,
    result: Value,
    context: &Value,
) -> Result<Step, TaskFailure> {
    let result = match &task.result_selector {
        Some(selector) => selector.render(&result, context)?,
        None => result,
    };
    let output = task.result_path.apply(input, result)?;
    let output = select(&task.output_path, output, context)?;
    Ok(transition(&task.transition, output))
}

/// The context object (`$$`) of a state.
fn context_object(
    info: &ExecutionInfo,
    position: &Position,
    retry_count: u32,
    task_token: Option<&str>,
) -> Value {
    let mut context = json!({
        "Execution": {
            "Id": format!("{ARN_PREFIX}:execution:{STATE_MACHINE_NAME}:{}", info.name),
            "Name": info.name,
            "Input": info.input,
            "StartTime": timestamp(info.started_at),
        },
        "StateMachine": {
            "Id": format!("{ARN_PREFIX}:stateMachine:{STATE_MACHINE_NAME}"),
            "Name": STATE_MACHINE_NAME,
        },
        "State": {
            "Name": position.state,
            "EnteredTime": timestamp(position.entered_at),
            "RetryCount": retry_count,
        },
    });
    if let Some(token) = task_token {
        context["Task"] = json!({ "Token": token });
    }
    context
}

fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}
