//! Connections that only read a database file, beside the connection that writes it.
//!
//! In WAL mode a reader sees the last commit and never waits for the writer, so a read
//! need not queue behind the writer's work on its thread ([`worker`](super::worker)):
//! it runs where it is asked, on a connection of its own. Under 50 shoppers' checkouts
//! about half the store calls are such reads, and each had cost two thread switches and
//! a place in the writer's queue. A read still sees everything a caller was told was
//! written: the writer answers only after its commit.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

use super::{unavailable, BUSY_TIMEOUT, CACHED_STATEMENTS};
use crate::domain::store::StoreError;

/// The reading connections of one file, opened when first needed and kept for the
/// next read: at most as many as reads have run at once.
pub(super) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    /// Readers of the file at `path`, which its writer has opened in WAL mode.
    pub(super) fn new(path: &Path) -> Self {
        Readers {
            path: path.to_owned(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `work` on a reading connection, in one read transaction so that all it
    /// reads is one state of the file.
    pub(super) fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        E: From<StoreError>,
        F: FnOnce(&Connection) -> Result<T, E>,
    {
        let popped = self.idle().pop();
        let connection = match popped {
            Some(connection) => connection,
            None => self.open()?,
        };
        let result = in_one_snapshot(&connection, work);
        self.idle().push(connection);
        result
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let connection = Connection::open(&self.path).map_err(unavailable)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(unavailable)?;
        connection
            .pragma_update(None, "query_only", true)
            .map_err(unavailable)?;
        connection.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        Ok(connection)
    }
}

/// Runs `work` in one read transaction on `connection`, begun and ended by statements
/// kept prepared (a read is a few microseconds; parsing them each time was a good part).
fn in_one_snapshot<T, E, F>(connection: &Connection, work: F) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnOnce(&Connection) -> Result<T, E>,
{
    let run = |sql: &str| {
        connection
            .prepare_cached(sql)
            .and_then(|mut statement| statement.execute([]))
            .map_err(unavailable)
    };
    run("BEGIN")?;
    let result = work(connection);
    // It changed nothing, so ending it cannot lose anything; a connection left in a
    // transaction would read an old state next time, so an end that fails is an error.
    run("COMMIT")?;
    result
}

#[cfg(test)]
mod tests {
    use crate::adapters::sqlite::{ScratchFolder, SqliteDb};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_beside_the_writer_sees_every_change_already_answered() {
        let folder = ScratchFolder::new();
        let db = SqliteDb::open_with(
            &folder.file("readers.db"),
            "CREATE TABLE IF NOT EXISTS t (v INTEGER)",
        )
        .unwrap();
        for value in 1..=50_i64 {
            db.run(move |connection| {
                connection
                    .execute("INSERT INTO t (v) VALUES (?1)", [value])
                    .unwrap();
                Ok(())
            })
            .await
            .unwrap();
            let (count, last) = db
                .read(|connection| {
                    Ok(connection
                        .query_row("SELECT COUNT(*), MAX(v) FROM t", [], |row| {
                            Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
                        })
                        .unwrap())
                })
                .await
                .unwrap();
            assert_eq!((count, last), (value, value));
        }
        let refused = db
            .read(|connection| {
                Ok(connection
                    .execute("INSERT INTO t (v) VALUES (0)", [])
                    .is_err())
            })
            .await
            .unwrap();
        assert!(refused, "a reading connection writes nothing");
    }
}
