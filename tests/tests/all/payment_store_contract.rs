//! The payment store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoPayments;
use mambogo::adapters::sqlite::{SqliteDb, SqlitePayments};
use mambogo::domain::payments::PaymentStore;
use mambogo_tests::contract::payments;
use mambogo_tests::emulator::{create_payment_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn PaymentStore> {
    Arc::new(SqlitePayments::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn PaymentStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("payments");
    create_payment_table(&client, &table).await;
    Arc::new(DynamoPayments::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_payments {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::payments::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_payments {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::payments::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_saved_payment_reads_back,
    check_second_create_conflicts,
    check_update_needs_the_stored_version,
    check_gateway_event_applies_once,
    check_gateway_event_with_stale_payment_is_not_recorded,
    check_concurrent_deliveries_apply_once,
    check_payments_are_listed_by_status,
    check_bad_payment_cursors_are_refused,
    check_refunds_read_back,
);
