//! Task attempts and their tokens: scheduled, handed out, closed once, timed out,
//! abandoned.

use mambogo::adapters::sqlite::Cached;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::executions::append;
use super::{
    corrupt, from_text, millis, to_text, Change, Closing, ExecutionStore, ExecutionStoreError,
    ScheduledTask, TaskOutcome, TaskRecord, TaskStatus,
};
use crate::workflow::errors::TaskFailure;
use crate::workflow::history::HistoryEventKind;

impl ExecutionStore {
    /// Persists a task attempt (and its token and deadline) before its resource is called.
    pub(crate) async fn schedule_task(
        &self,
        task: ScheduledTask,
        details: Value,
        now: OffsetDateTime,
    ) -> Result<(), ExecutionStoreError> {
        self.run(
            Change::Execution(task.execution.clone()),
            move |transaction| {
                transaction.execute_cached(
                    "INSERT INTO workflow_task_tokens
                     (token, execution, step, state, callback, deadline, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'STARTING')",
                    params![
                        task.token,
                        task.execution,
                        task.step,
                        task.state,
                        task.callback,
                        task.deadline.map(millis)
                    ],
                )?;
                append(
                    transaction,
                    &task.execution,
                    HistoryEventKind::TaskScheduled,
                    Some(&task.state),
                    &details,
                    millis(now),
                )
            },
        )
        .await
    }

    /// Notes that a callback task's resource returned: it now waits for its token.
    pub(crate) async fn task_delivered(&self, token: &str) -> Result<(), ExecutionStoreError> {
        let token = token.to_owned();
        self.run(Change::TaskOf(token.clone()), move |transaction| {
            transaction.execute_cached(
                "UPDATE workflow_task_tokens SET status = 'WAITING'
                 WHERE token = ?1 AND status = 'STARTING'",
                params![token],
            )?;
            Ok(())
        })
        .await
    }

    /// Closes the task attempt `token` with `outcome` if it is still open, and records
    /// it in the history. With `callback_only`, tokens that were never handed out are
    /// unknown.
    pub(crate) async fn close_task(
        &self,
        token: &str,
        outcome: TaskOutcome,
        callback_only: bool,
        now: OffsetDateTime,
    ) -> Result<Closing, ExecutionStoreError> {
        let token = token.to_owned();
        self.run(Change::TaskOf(token.clone()), move |transaction| {
            let row = transaction
                .query_row_cached(
                    "SELECT execution, state, callback, status, outcome
                     FROM workflow_task_tokens WHERE token = ?1",
                    params![token],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, bool>(2)?,
                            row.get::<_, String>(3)?,
                            row.get::<_, Option<String>>(4)?,
                        ))
                    },
                )
                .optional()?;
            let Some((execution, state, callback, status, stored)) = row else {
                return Ok(Closing::Unknown);
            };
            if callback_only && !callback {
                return Ok(Closing::Unknown);
            }
            if status != "STARTING" && status != "WAITING" {
                return Ok(match task_status(&status, stored.as_deref())? {
                    TaskStatus::Closed(outcome) => Closing::AlreadyClosed(Some(outcome)),
                    _ => Closing::AlreadyClosed(None),
                });
            }
            let (status, stored, kind, details) = match &outcome {
                TaskOutcome::Succeeded(output) => (
                    "SUCCEEDED",
                    Some(to_text(output)?),
                    HistoryEventKind::TaskSucceeded,
                    json!({ "output": output }),
                ),
                TaskOutcome::Failed(failure) => (
                    "FAILED",
                    Some(to_text(
                        &json!({ "error": failure.error, "cause": failure.cause }),
                    )?),
                    HistoryEventKind::TaskFailed,
                    json!({ "error": failure.error, "cause": failure.cause }),
                ),
                TaskOutcome::TimedOut => {
                    let timeout = TaskFailure::timeout();
                    (
                        "TIMED_OUT",
                        None,
                        HistoryEventKind::TaskTimedOut,
                        json!({ "error": timeout.error, "cause": timeout.cause }),
                    )
                }
            };
            transaction.execute_cached(
                "UPDATE workflow_task_tokens SET status = ?2, outcome = ?3 WHERE token = ?1",
                params![token, status, stored],
            )?;
            append(
                transaction,
                &execution,
                kind,
                Some(&state),
                &details,
                millis(now),
            )?;
            Ok(Closing::Closed)
        })
        .await
    }

    /// Gives up on an open task attempt, so that its state can run again.
    pub(crate) async fn abandon_task(&self, token: &str) -> Result<(), ExecutionStoreError> {
        let token = token.to_owned();
        self.run(Change::TaskOf(token.clone()), move |transaction| {
            transaction.execute_cached(
                "UPDATE workflow_task_tokens SET status = 'ABANDONED'
                 WHERE token = ?1 AND status IN ('STARTING', 'WAITING')",
                params![token],
            )?;
            Ok(())
        })
        .await
    }

    /// The open task attempts whose deadline is at or before `now`.
    pub(crate) async fn expired_tasks(
        &self,
        now: OffsetDateTime,
    ) -> Result<Vec<String>, ExecutionStoreError> {
        self.read(move |transaction| {
            let mut statement = transaction.prepare_cached(
                "SELECT token FROM workflow_task_tokens
                 WHERE status IN ('STARTING', 'WAITING') AND deadline <= ?1",
            )?;
            let tokens = statement
                .query_map(params![millis(now)], |row| row.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(tokens)
        })
        .await
    }

    /// The last task attempt of the state the execution entered at `step`.
    pub(crate) async fn latest_task(
        &self,
        name: &str,
        step: i64,
    ) -> Result<Option<TaskRecord>, ExecutionStoreError> {
        let name = name.to_owned();
        self.read(move |transaction| {
            task_record(
                transaction,
                "WHERE execution = ?1 AND step = ?2 ORDER BY rowid DESC LIMIT 1",
                params![name, step],
            )
        })
        .await
    }

    /// The task attempt `token`.
    pub(crate) async fn task(
        &self,
        token: &str,
    ) -> Result<Option<TaskRecord>, ExecutionStoreError> {
        let token = token.to_owned();
        self.read(move |transaction| task_record(transaction, "WHERE token = ?1", params![token]))
            .await
    }
}

fn task_record(
    transaction: &Connection,
    filter: &str,
    parameters: impl rusqlite::Params,
) -> Result<Option<TaskRecord>, ExecutionStoreError> {
    let row = transaction
        .query_row_cached(
            &format!("SELECT token, callback, status, outcome FROM workflow_task_tokens {filter}"),
            parameters,
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, bool>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, Option<String>>(3)?,
                ))
            },
        )
        .optional()?;
    row.map(|(token, callback, status, outcome)| {
        Ok(TaskRecord {
            token,
            callback,
            status: task_status(&status, outcome.as_deref())?,
        })
    })
    .transpose()
}

fn task_status(status: &str, outcome: Option<&str>) -> Result<TaskStatus, ExecutionStoreError> {
    let stored = || {
        outcome
            .map(from_text)
            .transpose()
            .map(Option::unwrap_or_default)
    };
    Ok(match status {
        "STARTING" => TaskStatus::Starting,
        "WAITING" => TaskStatus::Waiting,
        "ABANDONED" => TaskStatus::Abandoned,
        "TIMED_OUT" => TaskStatus::Closed(TaskOutcome::TimedOut),
        "SUCCEEDED" => TaskStatus::Closed(TaskOutcome::Succeeded(stored()?)),
        "FAILED" => {
            let failure = stored()?;
            let text = |field: &str| failure[field].as_str().unwrap_or_default().to_owned();
            TaskStatus::Closed(TaskOutcome::Failed(TaskFailure::new(
                text("error"),
                text("cause"),
            )))
        }
        other => return Err(corrupt(format!("unknown task status {other:?}"))),
    })
}
