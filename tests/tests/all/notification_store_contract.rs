//! The notification outbox contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoOperations;
use mambogo::adapters::sqlite::{SqliteDb, SqliteOperations};
use mambogo::domain::operations::NotificationOutbox;
use mambogo_tests::contract::notifications;
use mambogo_tests::emulator::{create_operations_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn NotificationOutbox> {
    Arc::new(SqliteOperations::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn NotificationOutbox> {
    let client = dynamodb_client().await;
    let table = unique_table_name("operations");
    create_operations_table(&client, &table).await;
    Arc::new(DynamoOperations::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_notifications {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::notifications::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_notifications {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::notifications::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_notification_is_recorded_once,
    check_notifications_are_listed_newest_first,
    check_concurrent_records_keep_one,
    check_deliveries_are_kept_on_the_notification,
    check_bad_notification_cursors_are_refused,
);
