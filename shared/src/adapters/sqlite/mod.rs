//! The embedded adapters: one SQLite file (or memory) holding every store's tables.
//! Records are kept as JSON beside the columns the conditions need.

mod address_books;
mod cart;
mod catalog;
mod checkpointer;
mod coupons;
mod dead_letters;
mod flash_sales;
mod idempotency;
mod inventory;
mod journal;
mod migrate;
#[cfg(feature = "mock-gateway")]
mod mock_ledger;
mod operations;
mod orders;
mod payments;
mod readers;
mod reviews;
mod worker;

pub use address_books::SqliteAddressBooks;
pub use cart::SqliteCarts;
pub use catalog::SqliteCatalog;
pub use coupons::SqliteCoupons;
pub use dead_letters::SqliteDeadLetters;
pub use flash_sales::SqliteFlashSales;
pub use idempotency::SqliteIdempotency;
pub use inventory::SqliteInventory;
pub use journal::SqliteJournal;
#[cfg(feature = "mock-gateway")]
pub use mock_ledger::SqliteMockLedger;
pub use operations::SqliteOperations;
pub use orders::SqliteOrders;
pub use payments::SqlitePayments;
pub use reviews::SqliteReviews;

use std::path::Path;
use std::sync::{mpsc, Arc};

use rusqlite::{Connection, OptionalExtension, Params, Row};
use tokio::sync::oneshot;

use crate::domain::store::StoreError;
use worker::Job;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS products (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS product_skus (
    sku TEXT PRIMARY KEY,
    product_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS categories (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS carts (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS carts_by_expiry ON carts (expires_at);
CREATE TABLE IF NOT EXISTS stock (
    sku TEXT PRIMARY KEY,
    on_hand INTEGER NOT NULL,
    reserved INTEGER NOT NULL,
    available INTEGER NOT NULL,
    sold INTEGER NOT NULL,
    received INTEGER NOT NULL,
    low_stock_threshold INTEGER,
    shards INTEGER
);
CREATE TABLE IF NOT EXISTS stock_shards (
    sku TEXT NOT NULL,
    shard INTEGER NOT NULL,
    on_hand INTEGER NOT NULL,
    reserved INTEGER NOT NULL,
    available INTEGER NOT NULL,
    sold INTEGER NOT NULL,
    PRIMARY KEY (sku, shard)
);
CREATE TABLE IF NOT EXISTS reservations (
    order_id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    lines TEXT NOT NULL,
    takes TEXT,
    promisable INTEGER,
    drawn_from TEXT
);
CREATE INDEX IF NOT EXISTS pending_reservations_by_expiry ON reservations (expires_at)
    WHERE status = 'PENDING';
CREATE TABLE IF NOT EXISTS restocks (
    order_id TEXT NOT NULL,
    restock_id TEXT NOT NULL,
    lines TEXT NOT NULL,
    PRIMARY KEY (order_id, restock_id)
);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    body TEXT NOT NULL,
    status TEXT
);
CREATE INDEX IF NOT EXISTS orders_by_user ON orders (user_id, created_at);
CREATE TABLE IF NOT EXISTS payments (
    order_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    status TEXT,
    updated_at INTEGER
);
CREATE TABLE IF NOT EXISTS gateway_events (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER,
    body TEXT,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mock_references (
    key TEXT PRIMARY KEY,
    reference TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mock_payments (
    reference TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    amount TEXT NOT NULL,
    stage TEXT NOT NULL,
    captured INTEGER NOT NULL,
    refunded INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS mock_steps (
    key TEXT PRIMARY KEY,
    outcome TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mock_webhooks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    delivered INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mock_webhooks_due ON mock_webhooks (delivered, seq);
CREATE TABLE IF NOT EXISTS dead_letters (
    id TEXT PRIMARY KEY,
    consumer TEXT NOT NULL,
    parked_at INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_age ON dead_letters (parked_at, id);
CREATE TABLE IF NOT EXISTS notifications (
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (event_id, kind)
);
CREATE INDEX IF NOT EXISTS notifications_by_recipient ON notifications (recipient, sort_key);
CREATE TABLE IF NOT EXISTS order_journal (
    order_id TEXT NOT NULL,
    key TEXT NOT NULL,
    at INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (order_id, key)
);
CREATE TABLE IF NOT EXISTS sweep_reports (
    ran_at INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS handled_events (
    consumer TEXT NOT NULL,
    event_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (consumer, event_id)
);
CREATE TABLE IF NOT EXISTS coupons (
    code TEXT PRIMARY KEY,
    redemptions INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS coupon_customers (
    code TEXT NOT NULL,
    user_id TEXT NOT NULL,
    redemptions INTEGER NOT NULL,
    PRIMARY KEY (code, user_id)
);
CREATE TABLE IF NOT EXISTS coupon_redemptions (
    code TEXT NOT NULL,
    order_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    released INTEGER NOT NULL,
    PRIMARY KEY (code, order_id)
);
CREATE TABLE IF NOT EXISTS reviews (
    review_id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    listed_product TEXT,
    newest_key TEXT,
    rating_key TEXT,
    body TEXT NOT NULL,
    UNIQUE (product_id, user_id)
);
CREATE INDEX IF NOT EXISTS reviews_newest ON reviews (listed_product, newest_key);
CREATE INDEX IF NOT EXISTS reviews_best ON reviews (listed_product, rating_key);
CREATE TABLE IF NOT EXISTS product_ratings (
    product_id TEXT PRIMARY KEY,
    reviews INTEGER NOT NULL,
    stars INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS address_books (
    user_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS flash_sales (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS flash_sale_tickets (
    sale_id TEXT NOT NULL,
    buyer TEXT NOT NULL,
    status TEXT NOT NULL,
    queue_key INTEGER NOT NULL,
    token_expires_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (sale_id, buyer)
);
CREATE INDEX IF NOT EXISTS tickets_by_queue_key
    ON flash_sale_tickets (sale_id, status, queue_key);
CREATE INDEX IF NOT EXISTS tickets_by_token_expiry
    ON flash_sale_tickets (sale_id, status, token_expires_at);
";

/// Indexes on columns that [`migrate`] may have had to add to an older file first.
const LATER_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, created_at, id);
CREATE INDEX IF NOT EXISTS payments_by_status ON payments (status, updated_at, order_id);
";

/// How long a write waits for another connection to the same file (a second shop on it).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// Statements kept prepared per connection: every statement the stores run, with room.
const CACHED_STATEMENTS: usize = 256;

/// A shared SQLite connection: the one wrapper every embedded store uses, the shop's
/// and the local runner's. The connection lives on a thread of its own ([`worker`])
/// that runs the stores' work one piece at a time, in the order it was sent, which
/// makes every piece of work serializable; the pieces queued together are committed
/// together. A file's reads run beside it on connections of their own ([`readers`]).
#[derive(Clone)]
pub struct SqliteDb {
    jobs: mpsc::Sender<Job>,
    readers: Option<Arc<readers::Readers>>,
}

impl SqliteDb {
    /// Opens (creating if needed) the shop's database file at `path`, and its parent
    /// folder.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let connection = open_file(path)?;
        with_shop_schema(&connection)?;
        Self::serve(connection, Some(path))
    }

    /// A fresh shop database that lives only in memory.
    pub fn in_memory() -> Result<Self, StoreError> {
        let connection = Connection::open_in_memory().map_err(unavailable)?;
        with_shop_schema(&connection)?;
        Self::serve(connection, None)
    }

    /// Opens (creating if needed) the database file at `path` holding the tables of
    /// `schema` (statements that create what is missing).
    pub fn open_with(path: &Path, schema: &str) -> Result<Self, StoreError> {
        let connection = open_file(path)?;
        connection.execute_batch(schema).map_err(unavailable)?;
        Self::serve(connection, Some(path))
    }

    /// A fresh database in memory holding the tables of `schema`.
    pub fn in_memory_with(schema: &str) -> Result<Self, StoreError> {
        let connection = Connection::open_in_memory().map_err(unavailable)?;
        connection.execute_batch(schema).map_err(unavailable)?;
        Self::serve(connection, None)
    }

    /// Moves `connection` onto its own thread, which ends when the last handle is gone.
    /// For the file at `path`, the log is checkpointed by a thread of its own
    /// ([`checkpointer`]) rather than by the connection's, and reads run on connections
    /// of their own ([`readers`]).
    fn serve(connection: Connection, path: Option<&Path>) -> Result<Self, StoreError> {
        connection.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        let checkpoints = match path {
            Some(path) => {
                connection
                    .pragma_update(None, "wal_autocheckpoint", 0)
                    .map_err(unavailable)?;
                Some(checkpointer::Checkpoints::spawn(path)?)
            }
            None => None,
        };
        Ok(SqliteDb {
            jobs: worker::spawn(connection, checkpoints)?,
            readers: path.map(|path| Arc::new(readers::Readers::new(path))),
        })
    }

    /// Runs `work` with the connection on its thread, inside a transaction that may hold
    /// other work too: work that must change several rows or none does so in a
    /// savepoint ([`Connection::savepoint`]), never in a transaction of its own. Its
    /// result comes once that transaction has committed.
    pub async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.run_failing_with(work).await
    }

    /// Runs `work`, which only reads, and answers what it read: at once on a reading
    /// connection of the file, or for a database in memory on the connection's thread
    /// as [`SqliteDb::run`] does. Either way it sees every change whose caller has
    /// been answered, and one state of the database.
    pub async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.read_failing_with(work).await
    }

    /// [`SqliteDb::read`] for work that fails with an error of its own.
    pub async fn read_failing_with<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        match &self.readers {
            Some(readers) => readers.read(work),
            None => {
                self.run_failing_with(move |connection| work(connection))
                    .await
            }
        }
    }

    /// [`SqliteDb::run`] for work that fails with an error of its own, which a store
    /// error (the connection's thread gone) converts into.
    pub async fn run_failing_with<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            let result = work(connection);
            Box::new(move |committed| {
                let result = match committed {
                    Ok(()) => result,
                    Err(reason) => Err(E::from(StoreError::Unavailable(format!(
                        "the SQLite commit failed: {reason}"
                    )))),
                };
                // The caller may have stopped waiting; then nobody needs the answer.
                let _ = reply.send(result);
            })
        });
        let failed = || {
            E::from(StoreError::Unavailable(
                "the SQLite store's work failed".to_owned(),
            ))
        };
        self.jobs.send(job).map_err(|_| failed())?;
        answer.await.map_err(|_| failed())?
    }
}

fn open_file(path: &Path) -> Result<Connection, StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|error| {
            StoreError::Unavailable(format!("cannot create {}: {error}", parent.display()))
        })?;
    }
    let connection = Connection::open(path).map_err(unavailable)?;
    connection.busy_timeout(BUSY_TIMEOUT).map_err(unavailable)?;
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(unavailable)?;
    connection
        .pragma_update(None, "synchronous", "NORMAL")
        .map_err(unavailable)?;
    Ok(connection)
}

fn with_shop_schema(connection: &Connection) -> Result<(), StoreError> {
    connection.execute_batch(SCHEMA).map_err(unavailable)?;
    migrate::add_missing_columns(connection)?;
    connection.execute_batch(LATER_INDEXES).map_err(unavailable)
}

/// Statements run through the connection's cache of prepared statements, so that each is
/// parsed and planned once per connection rather than on every call.
pub trait Cached {
    /// [`Connection::execute`], prepared once.
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// [`Connection::query_row`], prepared once.
    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, row: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P, F>(&self, sql: &str, params: P, row: F) -> rusqlite::Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, row)
    }
}

pub(crate) fn unavailable(error: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(error.to_string()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|error| StoreError::Corrupt(error.to_string()))
}

/// The outcome of an insert that does nothing when the key is taken (`ON CONFLICT DO
/// NOTHING`), from the rows it wrote: [`StoreError::AlreadyExists`] when none.
pub(crate) fn created(rows_written: usize) -> Result<(), StoreError> {
    if rows_written == 1 {
        Ok(())
    } else {
        Err(StoreError::AlreadyExists)
    }
}

/// The record whose JSON body `sql` selects (as its only column) with `params`, if any.
pub(crate) fn select_body<T, P>(
    connection: &Connection,
    sql: &str,
    params: P,
) -> Result<Option<T>, StoreError>
where
    T: serde::de::DeserializeOwned,
    P: Params,
{
    connection
        .query_row_cached(sql, params, |row| row.get::<_, String>(0))
        .optional()
        .map_err(unavailable)?
        .map(|body| from_json(&body))
        .transpose()
}

/// The records whose JSON bodies `sql` selects (as its only column) with `params`, in
/// the order it selects them.
pub(crate) fn select_bodies<T, P>(
    connection: &Connection,
    sql: &str,
    params: P,
) -> Result<Vec<T>, StoreError>
where
    T: serde::de::DeserializeOwned,
    P: Params,
{
    let mut statement = connection.prepare_cached(sql).map_err(unavailable)?;
    let bodies = statement
        .query_map(params, |row| row.get::<_, String>(0))
        .map_err(unavailable)?;
    bodies
        .map(|body| from_json(&body.map_err(unavailable)?))
        .collect()
}

/// A folder of database files for a test, removed when it is dropped.
#[cfg(test)]
pub(super) struct ScratchFolder(std::path::PathBuf);

#[cfg(test)]
impl ScratchFolder {
    pub(super) fn new() -> Self {
        let folder = std::env::temp_dir().join(format!("mambogo-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&folder).expect("a folder in the temporary directory");
        ScratchFolder(folder)
    }

    /// The path of the file `name` in the folder.
    pub(super) fn file(&self, name: &str) -> std::path::PathBuf {
        self.0.join(name)
    }
}

#[cfg(test)]
impl Drop for ScratchFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
