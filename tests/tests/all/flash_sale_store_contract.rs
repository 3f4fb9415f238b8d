//! The flash-sale store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoFlashSales;
use mambogo::adapters::sqlite::{SqliteDb, SqliteFlashSales};
use mambogo::domain::flash_sale::FlashSaleStore;
use mambogo_tests::contract::flash_sales;
use mambogo_tests::emulator::{create_flash_sales_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn FlashSaleStore> {
    Arc::new(SqliteFlashSales::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn FlashSaleStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("flash-sales");
    create_flash_sales_table(&client, &table).await;
    Arc::new(DynamoFlashSales::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_flash_sale_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::flash_sales::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_flash_sale_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::flash_sales::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_a_sale_is_kept_once,
    check_sales_not_ended_come_soonest_end_first,
    check_a_second_join_finds_the_first_ticket,
    check_concurrent_joins_keep_one_ticket,
    check_update_needs_the_stored_version,
    check_concurrent_updates_admit_one,
    check_next_waiting_come_lowest_key_first,
    check_waiting_ahead_counts_lower_waiting_keys,
    check_admitted_count_counts_admitted_tickets,
    check_expired_tokens_come_soonest_first,
);
