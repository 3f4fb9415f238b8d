//! The cart store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoCarts;
use mambogo::adapters::sqlite::{SqliteCarts, SqliteDb};
use mambogo::domain::cart::CartStore;
use mambogo_tests::contract::cart;
use mambogo_tests::emulator::{create_cart_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn CartStore> {
    Arc::new(SqliteCarts::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn CartStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("carts");
    create_cart_table(&client, &table).await;
    Arc::new(DynamoCarts::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_carts {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::cart::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_carts {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::cart::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_created_cart_reads_back,
    check_second_create_conflicts,
    check_update_needs_the_stored_version,
    check_expired_cart_can_be_recreated,
    check_update_of_expired_cart_conflicts,
    check_save_merged_moves_the_guest_cart,
    check_save_merged_with_stale_carts_changes_nothing,
    check_concurrent_saves_admit_one,
);
