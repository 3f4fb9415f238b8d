//! What the runner tells about an execution: its status, result and event history.

use std::fmt;

use serde_json::Value;
use time::OffsetDateTime;

/// Where an execution is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecutionStatus {
    /// Still running, or waiting for a task.
    Running,
    /// Ended in a Succeed state or an `End` transition.
    Succeeded,
    /// Ended in a Fail state or an error nothing caught.
    Failed,
}

impl ExecutionStatus {
    /// The name Step Functions uses: `RUNNING`, `SUCCEEDED`, `FAILED`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
        }
    }

    /// The status named `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            ExecutionStatus::Running,
            ExecutionStatus::Succeeded,
            ExecutionStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == name)
    }
}

impl fmt::Display for ExecutionStatus {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// What happened, in the order it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryEventKind {
    /// The execution was started; details: `input`.
    ExecutionStarted,
    /// A state was entered; details: `input`.
    StateEntered,
    /// A task was handed to its resource; details: `resource`, `parameters`, and
    /// `taskToken` / `timeoutSeconds` when it has them.
    TaskScheduled,
    /// A task returned; details: `output` (its raw result).
    TaskSucceeded,
    /// A task failed; details: `error`, `cause`.
    TaskFailed,
    /// A task ran past its `TimeoutSeconds`; details: `error`, `cause`.
    TaskTimedOut,
    /// A failed task is retried; details: `error`, `cause`, `retryCount`, `delaySeconds`.
    StateRetried,
    /// A state finished; details: `output`.
    StateExited,
    /// The execution succeeded; details: `output`.
    ExecutionSucceeded,
    /// The execution failed; details: `error`, `cause`.
    ExecutionFailed,
}

const EVENT_KINDS: [HistoryEventKind; 10] = [
    HistoryEventKind::ExecutionStarted,
    HistoryEventKind::StateEntered,
    HistoryEventKind::TaskScheduled,
    HistoryEventKind::TaskSucceeded,
    HistoryEventKind::TaskFailed,
    HistoryEventKind::TaskTimedOut,
    HistoryEventKind::StateRetried,
    HistoryEventKind::StateExited,
    HistoryEventKind::ExecutionSucceeded,
    HistoryEventKind::ExecutionFailed,
];

impl HistoryEventKind {
    /// The kind's name, as stored: `ExecutionStarted`, `StateEntered`, …
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryEventKind::ExecutionStarted => "ExecutionStarted",
            HistoryEventKind::StateEntered => "StateEntered",
            HistoryEventKind::TaskScheduled => "TaskScheduled",
            HistoryEventKind::TaskSucceeded => "TaskSucceeded",
            HistoryEventKind::TaskFailed => "TaskFailed",
            HistoryEventKind::TaskTimedOut => "TaskTimedOut",
            HistoryEventKind::StateRetried => "StateRetried",
            HistoryEventKind::StateExited => "StateExited",
            HistoryEventKind::ExecutionSucceeded => "ExecutionSucceeded",
            HistoryEventKind::ExecutionFailed => "ExecutionFailed",
        }
    }

    /// The kind named `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        EVENT_KINDS.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for HistoryEventKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One entry of an execution's history.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEvent {
    /// 1, 2, 3, … within the execution.
    pub id: u64,
    /// What happened.
    pub kind: HistoryEventKind,
    /// When, by the runner's clock.
    pub timestamp: OffsetDateTime,
    /// The state it happened in, if any.
    pub state: Option<String>,
    /// The event's details; see [`HistoryEventKind`].
    pub details: Value,
}

/// An execution as the runner has persisted it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutionView {
    /// The execution's name, unique per runner.
    pub name: String,
    /// Where it is.
    pub status: ExecutionStatus,
    /// What it was started with.
    pub input: Value,
    /// What it succeeded with.
    pub output: Option<Value>,
    /// The error it failed with.
    pub error: Option<String>,
    /// Why it failed.
    pub cause: Option<String>,
    /// The state it is in while running.
    pub current_state: Option<String>,
    /// The token of the `.waitForTaskToken` task it is waiting on, once the task's
    /// resource has been called.
    pub task_token: Option<String>,
    /// Everything that happened, oldest first.
    pub history: Vec<HistoryEvent>,
}

impl ExecutionView {
    /// The history events of one kind, oldest first.
    pub fn events(&self, kind: HistoryEventKind) -> impl Iterator<Item = &HistoryEvent> {
        self.history.iter().filter(move |event| event.kind == kind)
    }

    /// Whether the execution has ended.
    pub fn is_finished(&self) -> bool {
        self.status != ExecutionStatus::Running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in EVENT_KINDS {
            assert_eq!(HistoryEventKind::from_name(kind.as_str()), Some(kind));
        }
        for status in ["RUNNING", "SUCCEEDED", "FAILED"] {
            assert_eq!(
                ExecutionStatus::from_name(status).map(|s| s.as_str()),
                Some(status)
            );
        }
        assert_eq!(HistoryEventKind::from_name("Nothing"), None);
    }
}
