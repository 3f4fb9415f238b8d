//! The catalog store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoCatalog;
use mambogo::adapters::sqlite::{SqliteCatalog, SqliteDb};
use mambogo::domain::catalog::CatalogStore;
use mambogo_tests::contract::catalog;
use mambogo_tests::emulator::{create_catalog_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn CatalogStore> {
    Arc::new(SqliteCatalog::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn CatalogStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("catalog");
    create_catalog_table(&client, &table).await;
    Arc::new(DynamoCatalog::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_catalog {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::catalog::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_catalog {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::catalog::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_create_and_read_product,
    check_product_by_sku,
    check_products_returns_only_existing,
    check_duplicate_id_changes_nothing,
    check_taken_sku_changes_nothing,
    check_replace_needs_the_stored_version,
    check_replace_moves_sku_claims,
    check_replace_with_taken_sku_changes_nothing,
    check_all_products_lists_every_product,
    check_categories_are_put_and_listed,
);
