//! Checkpoints of a database file's write-ahead log, on a thread of their own.
//!
//! Why not SQLite's automatic checkpoint: it runs on the connection that has just
//! committed, every 1,000 pages of log, and with `synchronous = NORMAL` each one ends in
//! two fsyncs. The connection's thread ([`worker`](super::worker)) waits for them, and
//! with it every store call queued behind: under 50 shoppers' checkouts the file took
//! about 40 checkpoints a second and the thread spent a third of its time waiting for
//! the disk. Here the writer only signals that it committed, and this thread, on a
//! second connection to the same file, copies the log into the database without ever
//! waiting for the writer (`PASSIVE`), with the same durability.
//!
//! The log is rewound only when a checkpoint has copied all of it and the writer then
//! begins a transaction, which a writer that never pauses would never let happen. So once
//! the log holds more than [`MOST_LOG_PAGES`], the checkpoint is a `RESTART` instead: it
//! waits for the transaction in progress and holds the next one back until the log has
//! been copied, so that the next commit writes it from the start.

use std::path::Path;
use std::sync::mpsc;

use rusqlite::Connection;

use super::{unavailable, BUSY_TIMEOUT};
use crate::domain::store::StoreError;

/// How many pages of log wait to be copied before a checkpoint copies them: SQLite's
/// own automatic threshold.
const PAGES_PER_CHECKPOINT: i64 = 1_000;
/// The longest the log grows (4 KiB pages: 64 MiB) before a checkpoint rewinds it.
const MOST_LOG_PAGES: i64 = 16_384;

/// The writer's side: tells the checkpoint thread that there is log to copy.
pub(super) struct Checkpoints {
    committed: mpsc::SyncSender<()>,
}

impl Checkpoints {
    /// Starts the checkpoint thread of the WAL-mode database file at `path`; it ends
    /// when this handle is dropped.
    pub(super) fn spawn(path: &Path) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(unavailable)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(unavailable)?;
        // One signal waiting is enough: the checkpoint it starts copies every commit
        // made before it.
        let (committed, signals) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || {
                while signals.recv().is_ok() {
                    checkpoint(&connection, MOST_LOG_PAGES);
                }
            })
            .map_err(|error| {
                StoreError::Unavailable(format!("cannot start the checkpoint thread: {error}"))
            })?;
        Ok(Checkpoints { committed })
    }

    /// Called after each commit; never waits.
    pub(super) fn committed(&self) {
        let _ = self.committed.try_send(());
    }
}

/// Copies the log into the database once [`PAGES_PER_CHECKPOINT`] wait to be copied,
/// rewinding it once it holds more than `most_log_pages`. A failed checkpoint loses
/// nothing (the log keeps every commit) and is tried again after the next commit.
fn checkpoint(connection: &Connection, most_log_pages: i64) {
    let copied = wal_checkpoint(connection, "NOOP").and_then(|log| {
        if log.pages - log.copied < PAGES_PER_CHECKPOINT {
            Ok(())
        } else if log.pages > most_log_pages {
            wal_checkpoint(connection, "RESTART").map(|_| ())
        } else {
            wal_checkpoint(connection, "PASSIVE").map(|_| ())
        }
    });
    if let Err(error) = copied {
        tracing::warn!(%error, "cannot checkpoint the SQLite log");
    }
}

/// What a checkpoint found in the log.
#[derive(Debug, PartialEq, Eq)]
struct Log {
    /// The pages the log held.
    pages: i64,
    /// How many of them are now in the database.
    copied: i64,
}

/// Runs one checkpoint in `mode`.
fn wal_checkpoint(connection: &Connection, mode: &str) -> rusqlite::Result<Log> {
    connection.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
        Ok(Log {
            pages: row.get(1)?,
            copied: row.get(2)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::sqlite::ScratchFolder;

    /// A WAL-mode file that only checkpoints when told, and a second connection to it.
    fn writer_and_checkpointer(folder: &ScratchFolder) -> (Connection, Connection) {
        let path = folder.file("log.db");
        let writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        writer.execute_batch("CREATE TABLE t (v TEXT)").unwrap();
        (writer, Connection::open(&path).unwrap())
    }

    fn commits(writer: &Connection, count: usize) {
        for _ in 0..count {
            writer
                .execute("INSERT INTO t (v) VALUES (?1)", ["x".repeat(3_000)])
                .unwrap();
        }
    }

    #[test]
    fn a_checkpoint_copies_the_log_without_the_writer_and_a_long_one_is_rewound() {
        let folder = ScratchFolder::new();
        let (writer, checkpointer) = writer_and_checkpointer(&folder);

        commits(&writer, 10);
        checkpoint(&checkpointer, MOST_LOG_PAGES);
        let few = wal_checkpoint(&checkpointer, "NOOP").unwrap();
        assert_eq!(
            few.copied, 0,
            "too little to copy yet, and the writer copies nothing"
        );

        commits(&writer, 1_000);
        checkpoint(&checkpointer, MOST_LOG_PAGES);
        let passive = wal_checkpoint(&checkpointer, "NOOP").unwrap();
        assert_eq!(
            passive.copied, passive.pages,
            "everything committed was copied"
        );

        commits(&writer, 1_000);
        checkpoint(&checkpointer, 10);
        let restarted = wal_checkpoint(&checkpointer, "NOOP").unwrap();
        assert_eq!(restarted.copied, restarted.pages);
        commits(&writer, 1);
        let rewound = wal_checkpoint(&checkpointer, "NOOP").unwrap();
        assert!(
            rewound.pages < 10,
            "the next commit writes the log from its start: {rewound:?}"
        );
        let rows: i64 = writer
            .query_row("SELECT COUNT(*) FROM t", [], |row| row.get(0))
            .unwrap();
        assert_eq!(rows, 2_011);
    }
}
