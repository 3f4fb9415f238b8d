//! Persisting executions in SQLite, so that a restarted shop resumes them: each
//! execution's current state and that state's input, its history, and its task tokens.
//!
//! Every change is one transaction, and announced with the name of the execution it
//! changed (and whether it ended it) on a [`tokio::sync::broadcast`] channel, so that
//! waiters never poll and wake only for their own execution. Executions and their
//! history are in `executions`, task attempts and their tokens in `tasks`.

use std::path::Path;
use std::sync::Arc;

use mambogo::adapters::sqlite::{Cached, SqliteDb};
use mambogo::domain::store::StoreError;
use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::broadcast;

use super::errors::TaskFailure;

mod executions;
mod tasks;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS workflow_executions (
    name TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    input TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    step INTEGER NOT NULL,
    state TEXT NOT NULL,
    state_input TEXT NOT NULL,
    state_entered_at INTEGER NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT
);
CREATE INDEX IF NOT EXISTS workflow_executions_by_status ON workflow_executions (status);
CREATE TABLE IF NOT EXISTS workflow_history (
    execution TEXT NOT NULL,
    id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    state TEXT,
    details TEXT NOT NULL,
    PRIMARY KEY (execution, id)
);
CREATE TABLE IF NOT EXISTS workflow_task_tokens (
    token TEXT PRIMARY KEY,
    execution TEXT NOT NULL,
    step INTEGER NOT NULL,
    state TEXT NOT NULL,
    callback INTEGER NOT NULL,
    deadline INTEGER,
    status TEXT NOT NULL,
    outcome TEXT
);
CREATE INDEX IF NOT EXISTS workflow_task_tokens_by_step
    ON workflow_task_tokens (execution, step);
CREATE INDEX IF NOT EXISTS workflow_task_tokens_open_by_deadline
    ON workflow_task_tokens (deadline) WHERE status IN ('STARTING', 'WAITING');
";

/// Why the store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecutionStoreError {
    /// SQLite failed or could not be opened.
    #[error("the execution store is unavailable: {0}")]
    Unavailable(String),
    /// What the store holds cannot be read back.
    #[error("the execution store holds unreadable data: {0}")]
    Corrupt(String),
}

impl From<StoreError> for ExecutionStoreError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Corrupt(detail) => ExecutionStoreError::Corrupt(detail),
            other => ExecutionStoreError::Unavailable(other.to_string()),
        }
    }
}

impl From<rusqlite::Error> for ExecutionStoreError {
    fn from(error: rusqlite::Error) -> Self {
        ExecutionStoreError::Unavailable(error.to_string())
    }
}

pub(super) fn corrupt(error: impl ToString) -> ExecutionStoreError {
    ExecutionStoreError::Corrupt(error.to_string())
}

/// How many change notices a slow waiter may fall behind by before it re-reads anyway.
const CHANGES_KEPT: usize = 1024;

/// The runner's own tables, on their own SQLite database.
#[derive(Clone)]
pub struct ExecutionStore {
    db: SqliteDb,
    changes: broadcast::Sender<Changed>,
}

/// A change the store announces: which execution, and whether the change ended it.
#[derive(Clone, Debug)]
pub(crate) struct Changed {
    pub(crate) execution: Arc<str>,
    pub(crate) ended: bool,
}

/// What does not change during an execution.
#[derive(Clone, Debug)]
pub(crate) struct ExecutionInfo {
    pub(crate) name: String,
    pub(crate) input: Value,
    pub(crate) started_at: OffsetDateTime,
}

/// The state an execution is in, as last persisted.
#[derive(Clone, Debug)]
pub(crate) struct Position {
    /// Counts state entries: 1 for the first state.
    pub(crate) step: i64,
    pub(crate) state: String,
    pub(crate) input: Value,
    pub(crate) entered_at: OffsetDateTime,
}

/// How a task attempt ended.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TaskOutcome {
    Succeeded(Value),
    Failed(TaskFailure),
    TimedOut,
}

/// A task attempt about to be handed to its resource.
#[derive(Clone, Debug)]
pub(crate) struct ScheduledTask {
    pub(crate) token: String,
    pub(crate) execution: String,
    pub(crate) step: i64,
    pub(crate) state: String,
    /// Whether the token is handed out (`.waitForTaskToken`).
    pub(crate) callback: bool,
    pub(crate) deadline: Option<OffsetDateTime>,
}

/// Where a persisted task attempt is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TaskStatus {
    /// Its resource is being called.
    Starting,
    /// Its resource returned; it waits for its token.
    Waiting,
    /// It ended.
    Closed(TaskOutcome),
    /// A restart gave up on it; its state runs again.
    Abandoned,
}

/// A persisted task attempt.
#[derive(Clone, Debug)]
pub(crate) struct TaskRecord {
    pub(crate) token: String,
    pub(crate) callback: bool,
    pub(crate) status: TaskStatus,
}

/// What closing a task did.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Closing {
    /// It was open and is now closed with the given outcome.
    Closed,
    /// It had ended already (with this outcome, unless it was abandoned).
    AlreadyClosed(Option<TaskOutcome>),
    /// No such task (or, for callbacks, no such task token).
    Unknown,
}

/// How an execution ends.
pub(crate) enum Ending {
    Succeeded(Value),
    Failed(TaskFailure),
}

impl ExecutionStore {
    /// Opens (creating if needed) the store in the SQLite file at `path`, which may be
    /// shared with other tables.
    pub fn open(path: &Path) -> Result<Self, ExecutionStoreError> {
        Ok(Self::on(SqliteDb::open_with(path, SCHEMA)?))
    }

    /// A store that lives only in memory.
    pub fn in_memory() -> Result<Self, ExecutionStoreError> {
        Ok(Self::on(SqliteDb::in_memory_with(SCHEMA)?))
    }

    fn on(db: SqliteDb) -> Self {
        ExecutionStore {
            db,
            changes: broadcast::channel(CHANGES_KEPT).0,
        }
    }

    /// A receiver told of every change of an execution from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Changed> {
        self.changes.subscribe()
    }

    /// Runs `work`, which only reads, in one state of the store.
    async fn read<T, F>(&self, work: F) -> Result<T, ExecutionStoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ExecutionStoreError> + Send + 'static,
    {
        self.db.read_failing_with(work).await
    }

    /// Runs `work`, which makes `change`, in a savepoint of its own, and tells the
    /// waiters of the execution it changed.
    async fn run<T, F>(&self, change: Change, work: F) -> Result<T, ExecutionStoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ExecutionStoreError> + Send + 'static,
    {
        let (result, changed) = self
            .db
            .run_failing_with(move |connection| {
                let savepoint = connection.savepoint()?;
                let result = work(&savepoint)?;
                let changed = match change {
                    Change::Execution(name) => Some((name, false)),
                    Change::Ending(name) => Some((name, true)),
                    Change::TaskOf(token) => savepoint
                        .query_row_cached(
                            "SELECT execution FROM workflow_task_tokens WHERE token = ?1",
                            [token],
                            |row| row.get(0),
                        )
                        .optional()?
                        .map(|name| (name, false)),
                };
                savepoint.commit()?;
                Ok::<_, ExecutionStoreError>((result, changed))
            })
            .await?;
        if let Some((name, ended)) = changed {
            // Nobody may be listening; that is fine.
            let _ = self.changes.send(Changed {
                execution: Arc::from(name),
                ended,
            });
        }
        Ok(result)
    }
}

/// What a piece of store work changes: waiters on other executions sleep on.
pub(super) enum Change {
    /// The execution of this name.
    Execution(String),
    /// The execution of this name, which the change may end.
    Ending(String),
    /// The execution holding the task attempt of this token.
    TaskOf(String),
}

/// Milliseconds since the Unix epoch, as stored.
pub(super) fn millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(super) fn instant(millis: i64) -> Result<OffsetDateTime, ExecutionStoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).map_err(corrupt)
}

pub(super) fn to_text(value: &Value) -> Result<String, ExecutionStoreError> {
    serde_json::to_string(value).map_err(corrupt)
}

pub(super) fn from_text(text: &str) -> Result<Value, ExecutionStoreError> {
    serde_json::from_str(text).map_err(corrupt)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2030-01-01 12:00 UTC);

    async fn store_with_execution() -> (ExecutionStore, Position) {
        let store = ExecutionStore::in_memory().unwrap_or_else(|error| panic!("{error}"));
        let created = store
            .create("o-1", json!({ "orderId": "o-1" }), "Reserve", NOW)
            .await;
        let Ok(Some((_, position))) = created else {
            panic!("not created: {created:?}");
        };
        (store, position)
    }

    fn scheduled(token: &str, position: &Position, callback: bool) -> ScheduledTask {
        ScheduledTask {
            token: token.to_owned(),
            execution: "o-1".to_owned(),
            step: position.step,
            state: position.state.clone(),
            callback,
            deadline: Some(NOW + time::Duration::seconds(30)),
        }
    }

    #[tokio::test]
    async fn a_name_is_used_once() {
        let (store, _) = store_with_execution().await;

        let again = store.create("o-1", json!({}), "Reserve", NOW).await;

        assert!(matches!(again, Ok(None)));
    }

    #[tokio::test]
    async fn a_task_closes_once_and_only_callbacks_are_tokens() {
        let (store, position) = store_with_execution().await;
        let scheduling = async {
            store
                .schedule_task(scheduled("cb", &position, true), json!({}), NOW)
                .await?;
            store
                .schedule_task(scheduled("plain", &position, false), json!({}), NOW)
                .await
        };
        assert_eq!(scheduling.await, Ok(()));

        let plain = store
            .close_task("plain", TaskOutcome::TimedOut, true, NOW)
            .await;
        let first = store
            .close_task("cb", TaskOutcome::Succeeded(json!(1)), true, NOW)
            .await;
        let second = store
            .close_task("cb", TaskOutcome::TimedOut, true, NOW)
            .await;

        assert_eq!(plain, Ok(Closing::Unknown));
        assert_eq!(first, Ok(Closing::Closed));
        assert_eq!(
            second,
            Ok(Closing::AlreadyClosed(Some(TaskOutcome::Succeeded(json!(
                1
            )))))
        );
    }

    #[tokio::test]
    async fn open_tasks_expire_at_their_deadline() {
        let (store, position) = store_with_execution().await;
        let scheduled = store
            .schedule_task(scheduled("cb", &position, true), json!({}), NOW)
            .await;
        assert_eq!(scheduled, Ok(()));

        let early = store.expired_tasks(NOW + time::Duration::seconds(29)).await;
        let due = store.expired_tasks(NOW + time::Duration::seconds(30)).await;

        assert_eq!(early, Ok(vec![]));
        assert_eq!(due, Ok(vec!["cb".to_owned()]));
    }

    #[tokio::test]
    async fn a_stale_step_cannot_move_the_execution() {
        let (store, position) = store_with_execution().await;

        let moved = store.advance("o-1", &position, json!({}), "Pay", NOW).await;
        let stale = store.advance("o-1", &position, json!({}), "Pay", NOW).await;

        assert!(matches!(moved, Ok(Some(next)) if next.step == 2 && next.state == "Pay"));
        assert!(matches!(stale, Ok(None)));
    }
}
