//! The order journal contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::access::Table;
use mambogo::adapters::dynamodb::DynamoJournal;
use mambogo::adapters::sqlite::{SqliteDb, SqliteJournal};
use mambogo::domain::journal::OrderJournal;
use mambogo_tests::contract::journal;
use mambogo_tests::emulator::{create_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn OrderJournal> {
    Arc::new(SqliteJournal::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn OrderJournal> {
    let client = dynamodb_client().await;
    let table = unique_table_name("journal");
    create_table(&client, &table, Table::Journal).await;
    Arc::new(DynamoJournal::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_journal {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::journal::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_journal {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::journal::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_entries_are_kept_once_by_key,
    check_entries_are_read_in_time_order,
    check_concurrent_records_keep_one,
);
