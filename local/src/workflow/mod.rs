//! The local Step Functions: runs the Amazon States Language file that AWS runs
//! (`statemachines/*.asl.json`) in-process, with the shop's handlers as its Lambdas and
//! an in-process bus as its EventBridge, persisted in SQLite so that executions survive a
//! restart.
//!
//! This is a compact interpreter of our own rather than the `asl` crate (0.2): that crate
//! calls tasks synchronously through a resource string, leaves Retry and timeouts
//! unimplemented, drops `Catch`'s `ResultPath`, and has no task tokens nor a way to
//! persist and resume an execution.
//!
//! # What it runs
//!
//! - States: `Task`, `Pass` (`Result`, `Parameters`), `Choice` (`StringEquals`,
//!   `BooleanEquals`, `NumericEquals`, `NumericLessThan[Equals]`,
//!   `NumericGreaterThan[Equals]`, `IsPresent`, `IsNull`; `And`, `Or`, `Not`; `Default`),
//!   `Succeed`, `Fail` (`Error`, `Cause`).
//! - Task resources: `arn:aws:states:::lambda:invoke` (`Parameters` `FunctionName`
//!   and `Payload`; result `{"Payload": …, "StatusCode": 200}`),
//!   `arn:aws:states:::events:putEvents` (`Parameters` `Entries`; result
//!   `{"FailedEntryCount": 0, "Entries": [{"EventId": …}]}`), and either with
//!   `.waitForTaskToken` (`Parameters` must pass `$$.Task.Token`; the result is what the
//!   token is completed with).
//! - `Retry` (`ErrorEquals`, `IntervalSeconds`, `MaxAttempts`, `BackoffRate`,
//!   `MaxDelaySeconds`), `Catch` (`ErrorEquals`, `Next`, `ResultPath`), and
//!   `TimeoutSeconds` or `TimeoutSecondsPath` (read from the state's input), which fail
//!   the attempt with `States.Timeout`. `States.ALL` matches every error and
//!   `States.TaskFailed` every error but `States.Timeout`. `States.Runtime` (a path that
//!   does not resolve, a result that cannot be placed) is never retried nor caught and
//!   fails the execution, as on AWS.
//! - `InputPath`, `Parameters`, `ResultSelector`, `ResultPath` (`null`, `$`, `$.a.b`
//!   creating objects), `OutputPath`. Paths are `$`, `$.a.b` and `$.a[0].b`, or start
//!   with `$$` for the context object: `Execution.Id`, `Execution.Name`,
//!   `Execution.Input`, `Execution.StartTime`, `StateMachine.Id`, `StateMachine.Name`,
//!   `State.Name`, `State.EnteredTime`, `State.RetryCount`, `Task.Token`.
//!
//! Anything else (Wait, Parallel, Map, intrinsic functions, `HeartbeatSeconds`, …) is
//! refused when the definition is parsed, never ignored.
//!
//! # How it runs
//!
//! Each execution is driven by one tokio task. Every transition (the new state and its
//! input) is persisted before the state runs, with the history; a task attempt and its
//! token and deadline are persisted before the resource is called. Timeouts follow the
//! injected clock: [`WorkflowRunner::tick`] times out what is due. After a restart,
//! [`WorkflowRunner::resume_all`] continues what was running: a handed-out token keeps
//! working, and a task that was being called is called again (at least once, like
//! Lambda's own retries — task handlers are idempotent). Retry counts start afresh.

mod catch;
mod choice;
mod definition;
mod driver;
mod errors;
mod history;
mod paths;
mod port;
mod resources;
mod runner;
mod store;

pub use definition::{DefinitionError, StateMachine};
pub use errors::TaskFailure;
pub use history::{ExecutionStatus, ExecutionView, HistoryEvent, HistoryEventKind};
pub use port::{LocalWorkflow, StartedExecutions};
pub use resources::{EventSink, TaskHandler};
pub use runner::{RunnerError, WorkflowRunner};
pub use store::{ExecutionStore, ExecutionStoreError};
