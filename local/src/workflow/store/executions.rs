//! Executions and their history: created, moved from state to state, ended, shown.

use mambogo::adapters::sqlite::Cached;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{
    corrupt, from_text, instant, millis, to_text, Change, Ending, ExecutionInfo, ExecutionStore,
    ExecutionStoreError, Position,
};
use crate::workflow::history::{ExecutionStatus, ExecutionView, HistoryEvent, HistoryEventKind};

impl ExecutionStore {
    /// Persists a new execution in its first state; `None` if the name is taken.
    pub(crate) async fn create(
        &self,
        name: &str,
        input: Value,
        start_at: &str,
        now: OffsetDateTime,
    ) -> Result<Option<(ExecutionInfo, Position)>, ExecutionStoreError> {
        let info = ExecutionInfo {
            name: name.to_owned(),
            input,
            started_at: now,
        };
        let position = Position {
            step: 1,
            state: start_at.to_owned(),
            input: info.input.clone(),
            entered_at: now,
        };
        let (stored_info, stored_position) = (info.clone(), position.clone());
        let created = self
            .run(Change::Execution(name.to_owned()), move |transaction| {
                let input = to_text(&info.input)?;
                let at = millis(now);
                let inserted = transaction.execute_cached(
                    "INSERT OR IGNORE INTO workflow_executions
                         (name, status, input, started_at, step, state, state_input, state_entered_at)
                     VALUES (?1, 'RUNNING', ?2, ?3, 1, ?4, ?2, ?3)",
                    params![info.name, input, at, position.state],
                )?;
                if inserted == 0 {
                    return Ok(false);
                }
                let details = json!({ "input": info.input });
                append(transaction, &info.name, HistoryEventKind::ExecutionStarted, None, &details, at)?;
                append(
                    transaction,
                    &info.name,
                    HistoryEventKind::StateEntered,
                    Some(&position.state),
                    &details,
                    at,
                )?;
                Ok(true)
            })
            .await?;
        Ok(created.then_some((stored_info, stored_position)))
    }

    /// Moves the execution from the state it entered at `from.step` to `next_state`;
    /// `None` if it is no longer there (another runner moved it).
    pub(crate) async fn advance(
        &self,
        name: &str,
        from: &Position,
        output: Value,
        next_state: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Position>, ExecutionStoreError> {
        let next = Position {
            step: from.step + 1,
            state: next_state.to_owned(),
            input: output,
            entered_at: now,
        };
        let (name, from_step, from_state, stored) =
            (name.to_owned(), from.step, from.state.clone(), next.clone());
        let moved = self
            .run(Change::Execution(name.clone()), move |transaction| {
                let at = millis(now);
                let changed = transaction.execute_cached(
                    "UPDATE workflow_executions
                     SET step = ?3, state = ?4, state_input = ?5, state_entered_at = ?6
                     WHERE name = ?1 AND step = ?2 AND status = 'RUNNING'",
                    params![
                        name,
                        from_step,
                        next.step,
                        next.state,
                        to_text(&next.input)?,
                        at
                    ],
                )?;
                if changed == 0 {
                    return Ok(false);
                }
                let output = json!({ "output": next.input });
                append(
                    transaction,
                    &name,
                    HistoryEventKind::StateExited,
                    Some(&from_state),
                    &output,
                    at,
                )?;
                let input = json!({ "input": next.input });
                append(
                    transaction,
                    &name,
                    HistoryEventKind::StateEntered,
                    Some(&next.state),
                    &input,
                    at,
                )?;
                Ok(true)
            })
            .await?;
        Ok(moved.then_some(stored))
    }

    /// Ends the execution that is in the state it entered at `from.step`; `false` if it
    /// is no longer there. Tasks it left open are abandoned.
    pub(crate) async fn finish(
        &self,
        name: &str,
        from: &Position,
        ending: Ending,
        now: OffsetDateTime,
    ) -> Result<bool, ExecutionStoreError> {
        let (name, step, state) = (name.to_owned(), from.step, from.state.clone());
        self.run(Change::Ending(name.clone()), move |transaction| {
            let at = millis(now);
            let (status, output, error, cause) = match &ending {
                Ending::Succeeded(output) => ("SUCCEEDED", Some(to_text(output)?), None, None),
                Ending::Failed(failure) => (
                    "FAILED",
                    None,
                    Some(failure.error.clone()),
                    Some(failure.cause.clone()),
                ),
            };
            let changed = transaction.execute_cached(
                "UPDATE workflow_executions SET status = ?3, output = ?4, error = ?5, cause = ?6
                 WHERE name = ?1 AND step = ?2 AND status = 'RUNNING'",
                params![name, step, status, output, error, cause],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            transaction.execute_cached(
                "UPDATE workflow_task_tokens SET status = 'ABANDONED'
                 WHERE execution = ?1 AND status IN ('STARTING', 'WAITING')",
                params![name],
            )?;
            match &ending {
                Ending::Succeeded(output) => {
                    let details = json!({ "output": output });
                    append(
                        transaction,
                        &name,
                        HistoryEventKind::StateExited,
                        Some(&state),
                        &details,
                        at,
                    )?;
                    append(
                        transaction,
                        &name,
                        HistoryEventKind::ExecutionSucceeded,
                        None,
                        &details,
                        at,
                    )?;
                }
                Ending::Failed(failure) => {
                    let details = json!({ "error": failure.error, "cause": failure.cause });
                    append(
                        transaction,
                        &name,
                        HistoryEventKind::ExecutionFailed,
                        Some(&state),
                        &details,
                        at,
                    )?;
                }
            }
            Ok(true)
        })
        .await
    }

    /// Appends one event to the execution's history.
    pub(crate) async fn record(
        &self,
        name: &str,
        kind: HistoryEventKind,
        state: &str,
        details: Value,
        now: OffsetDateTime,
    ) -> Result<(), ExecutionStoreError> {
        let (name, state) = (name.to_owned(), state.to_owned());
        self.run(Change::Execution(name.clone()), move |transaction| {
            append(
                transaction,
                &name,
                kind,
                Some(&state),
                &details,
                millis(now),
            )
        })
        .await
    }

    /// Every running execution and the state it is in.
    pub(crate) async fn running(
        &self,
    ) -> Result<Vec<(ExecutionInfo, Position)>, ExecutionStoreError> {
        self.read(|transaction| {
            let mut statement = transaction.prepare_cached(
                "SELECT name, input, started_at, step, state, state_input, state_entered_at
                 FROM workflow_executions WHERE status = 'RUNNING' ORDER BY started_at, name",
            )?;
            let rows = statement
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, i64>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, String>(5)?,
                        row.get::<_, i64>(6)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(
                    |(name, input, started_at, step, state, state_input, entered_at)| {
                        Ok((
                            ExecutionInfo {
                                name,
                                input: from_text(&input)?,
                                started_at: instant(started_at)?,
                            },
                            Position {
                                step,
                                state,
                                input: from_text(&state_input)?,
                                entered_at: instant(entered_at)?,
                            },
                        ))
                    },
                )
                .collect()
        })
        .await
    }

    /// The names of the failed executions started at `since` or later, newest first.
    pub(crate) async fn failed_since(
        &self,
        since: OffsetDateTime,
    ) -> Result<Vec<String>, ExecutionStoreError> {
        let since = millis(since);
        self.read(move |transaction| {
            let mut statement = transaction.prepare_cached(
                "SELECT name FROM workflow_executions
                 WHERE status = 'FAILED' AND started_at >= ?1 ORDER BY started_at DESC, name",
            )?;
            let names = statement
                .query_map([since], |row| row.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(names)
        })
        .await
    }

    /// The status of the execution named `name`, if it exists.
    pub(crate) async fn status(
        &self,
        name: &str,
    ) -> Result<Option<ExecutionStatus>, ExecutionStoreError> {
        let name = name.to_owned();
        self.read(move |transaction| {
            let status = transaction
                .query_row_cached(
                    "SELECT status FROM workflow_executions WHERE name = ?1",
                    params![name],
                    |row| row.get::<_, String>(0),
                )
                .optional()?;
            status.as_deref().map(execution_status).transpose()
        })
        .await
    }

    /// The execution named `name`, with its history.
    pub(crate) async fn view(
        &self,
        name: &str,
    ) -> Result<Option<ExecutionView>, ExecutionStoreError> {
        let name = name.to_owned();
        self.read(move |transaction| {
            let row = transaction
                .query_row_cached(
                    "SELECT status, input, output, error, cause, state, step
                     FROM workflow_executions WHERE name = ?1",
                    params![name],
                    |row| {
                        Ok((
                            row.get::<_, String>(0)?,
                            row.get::<_, String>(1)?,
                            row.get::<_, Option<String>>(2)?,
                            row.get::<_, Option<String>>(3)?,
                            row.get::<_, Option<String>>(4)?,
                            row.get::<_, String>(5)?,
                            row.get::<_, i64>(6)?,
                        ))
                    },
                )
                .optional()?;
            let Some((status, input, output, error, cause, state, step)) = row else {
                return Ok(None);
            };
            let status = execution_status(&status)?;
            let running = status == ExecutionStatus::Running;
            let task_token = if running {
                transaction
                    .query_row_cached(
                        "SELECT token FROM workflow_task_tokens
                         WHERE execution = ?1 AND step = ?2 AND callback AND status = 'WAITING'
                         ORDER BY rowid DESC LIMIT 1",
                        params![name, step],
                        |row| row.get::<_, String>(0),
                    )
                    .optional()?
            } else {
                None
            };
            Ok(Some(ExecutionView {
                history: history(transaction, &name)?,
                name,
                status,
                input: from_text(&input)?,
                output: output.as_deref().map(from_text).transpose()?,
                error,
                cause,
                current_state: running.then_some(state),
                task_token,
            }))
        })
        .await
    }
}

fn execution_status(name: &str) -> Result<ExecutionStatus, ExecutionStoreError> {
    ExecutionStatus::from_name(name)
        .ok_or_else(|| corrupt(format!("unknown execution status {name:?}")))
}

/// Appends one event to an execution's history, numbered after the last one.
pub(super) fn append(
    transaction: &Connection,
    execution: &str,
    kind: HistoryEventKind,
    state: Option<&str>,
    details: &Value,
    at: i64,
) -> Result<(), ExecutionStoreError> {
    transaction.execute_cached(
        "INSERT INTO workflow_history (execution, id, kind, at, state, details)
         SELECT ?1, COALESCE(MAX(id), 0) + 1, ?2, ?3, ?4, ?5
         FROM workflow_history WHERE execution = ?1",
        params![execution, kind.as_str(), at, state, to_text(details)?],
    )?;
    Ok(())
}

fn history(
    transaction: &Connection,
    execution: &str,
) -> Result<Vec<HistoryEvent>, ExecutionStoreError> {
    let mut statement = transaction.prepare_cached(
        "SELECT id, kind, at, state, details FROM workflow_history
         WHERE execution = ?1 ORDER BY id",
    )?;
    let rows = statement
        .query_map(params![execution], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, Option<String>>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(id, kind, at, state, details)| {
            Ok(HistoryEvent {
                id: u64::try_from(id).map_err(corrupt)?,
                kind: HistoryEventKind::from_name(&kind)
                    .ok_or_else(|| corrupt(format!("unknown history event {kind:?}")))?,
                timestamp: instant(at)?,
                state,
                details: from_text(&details)?,
            })
        })
        .collect()
}
