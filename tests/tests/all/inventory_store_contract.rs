//! The inventory store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoInventory;
use mambogo::adapters::sqlite::{SqliteDb, SqliteInventory};
use mambogo::domain::inventory::InventoryStore;
use mambogo_tests::contract::inventory;
use mambogo_tests::emulator::{create_inventory_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn InventoryStore> {
    Arc::new(SqliteInventory::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn InventoryStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("inventory");
    create_inventory_table(&client, &table).await;
    Arc::new(DynamoInventory::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`. Most checks take one
/// fresh store; the storm takes a way to make them, for a fresh one per round.
macro_rules! contract {
    (one_store: [$($check:ident),* $(,)?], new_stores: [$($storm:ident),* $(,)?] $(,)?) => {
        mod sqlite_inventory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::inventory::$check(super::sqlite()).await;
            })*

            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $storm() {
                super::inventory::$storm(|| async { super::sqlite() }).await;
            })*
        }

        mod dynamodb_inventory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::inventory::$check(super::dynamodb().await).await;
            })*

            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $storm() {
                super::inventory::$storm(super::dynamodb).await;
            })*
        }
    };
}

contract!(
    one_store: [
        check_stock_is_set_and_read,
        check_on_hand_is_raised_and_lowered,
        check_on_hand_cannot_go_below_reserved,
        check_reserve_is_all_or_nothing,
        check_retried_reserve_counts_once,
        check_duplicate_skus_are_merged,
        check_too_many_lines_are_refused,
        check_commit_is_applied_once,
        check_release_gives_stock_back,
        check_settling_without_reservation_finds_nothing,
        check_release_expired_releases_only_expired_pending,
        check_commit_races_release_expired,
        check_restock_puts_units_back_once,
        check_partial_restocks_never_pass_the_commit,
        check_only_committed_orders_are_restocked,
        check_concurrent_restocks_apply_once,
        check_low_stock_threshold_is_kept,
        check_stock_is_spread_over_shards,
        check_a_line_larger_than_any_shard_takes_from_several,
        check_a_shard_holding_reserved_units_is_not_dropped,
    ],
    new_stores: [check_reservation_storm, check_sharded_reservation_storm],
);
