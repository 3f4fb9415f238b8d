//! The inventory store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoInventory;
use mambogo::adapters::sqlite::{SqliteDb, SqliteInventory};
use mambogo::domain::inventory::InventoryStore;
use mambogo_tests::contract::{holds, inventory};
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
    (
        one_store: [$($suite:ident::$check:ident),* $(,)?],
        new_stores: [$($storm:ident),* $(,)?] $(,)?
    ) => {
        mod sqlite_inventory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::$suite::$check(super::sqlite()).await;
            })*

            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $storm() {
                super::inventory::$storm(|| async { super::sqlite() }).await;
            })*
        }

        mod dynamodb_inventory {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::$suite::$check(super::dynamodb().await).await;
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
        inventory::check_stock_is_set_and_read,
        inventory::check_on_hand_is_raised_and_lowered,
        inventory::check_on_hand_cannot_go_below_reserved,
        inventory::check_reserve_is_all_or_nothing,
        inventory::check_retried_reserve_counts_once,
        inventory::check_duplicate_skus_are_merged,
        inventory::check_too_many_lines_are_refused,
        inventory::check_commit_is_applied_once,
        inventory::check_release_gives_stock_back,
        inventory::check_settling_without_reservation_finds_nothing,
        inventory::check_release_expired_releases_only_expired_pending,
        inventory::check_commit_races_release_expired,
        inventory::check_restock_puts_units_back_once,
        inventory::check_partial_restocks_never_pass_the_commit,
        inventory::check_only_committed_orders_are_restocked,
        inventory::check_concurrent_restocks_apply_once,
        inventory::check_low_stock_threshold_is_kept,
        inventory::check_stock_is_spread_over_shards,
        inventory::check_a_line_larger_than_any_shard_takes_from_several,
        inventory::check_a_shard_holding_reserved_units_is_not_dropped,
        holds::check_a_hold_is_set_aside_and_promised,
        holds::check_an_order_draws_promised_units_from_the_hold,
        holds::check_released_draws_go_back_to_the_hold_then_to_stock,
        holds::check_an_ended_hold_goes_back_to_stock,
        holds::check_racing_buyers_get_exactly_the_held_units,
    ],
    new_stores: [check_reservation_storm, check_sharded_reservation_storm],
);
