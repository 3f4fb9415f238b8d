//! The operations log contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoOperations;
use mambogo::adapters::sqlite::{SqliteDb, SqliteOperations};
use mambogo::domain::operations::OperationsLog;
use mambogo_tests::contract::operations;
use mambogo_tests::emulator::{create_operations_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn OperationsLog> {
    Arc::new(SqliteOperations::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn OperationsLog> {
    let client = dynamodb_client().await;
    let table = unique_table_name("operations");
    create_operations_table(&client, &table).await;
    Arc::new(DynamoOperations::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_operations_log {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::operations::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_operations_log {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::operations::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_latest_sweeps_come_first,
    check_a_sweep_saved_again_is_replaced,
);
