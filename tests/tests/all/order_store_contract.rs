//! The order store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoOrders;
use mambogo::adapters::sqlite::{SqliteDb, SqliteOrders};
use mambogo::domain::orders::OrderStore;
use mambogo_tests::contract::orders;
use mambogo_tests::emulator::{create_order_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn OrderStore> {
    Arc::new(SqliteOrders::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn OrderStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("orders");
    create_order_table(&client, &table).await;
    Arc::new(DynamoOrders::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_orders {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::orders::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_orders {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::orders::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_created_order_reads_back,
    check_second_create_is_refused,
    check_update_needs_the_stored_version,
    check_concurrent_updates_admit_one,
    check_orders_of_a_user_are_listed_newest_first,
    check_page_limits_are_kept_within_bounds,
    check_orders_of_the_same_second_are_each_listed_once,
    check_orders_are_listed_by_status_oldest_first,
    check_bad_cursors_are_refused,
);
