//! The address-book store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::access::Table;
use mambogo::adapters::dynamodb::DynamoAddressBooks;
use mambogo::adapters::sqlite::{SqliteAddressBooks, SqliteDb};
use mambogo::domain::address_book::AddressBookStore;
use mambogo_tests::contract::address_books;
use mambogo_tests::emulator::{create_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn AddressBookStore> {
    Arc::new(SqliteAddressBooks::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn AddressBookStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("address-books");
    create_table(&client, &table, Table::AddressBooks).await;
    Arc::new(DynamoAddressBooks::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_address_books {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::address_books::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_address_books {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::address_books::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_created_book_reads_back,
    check_second_create_conflicts,
    check_update_needs_the_stored_version,
    check_concurrent_saves_admit_one,
);
