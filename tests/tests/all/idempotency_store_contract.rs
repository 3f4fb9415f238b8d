//! The idempotency store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoIdempotency;
use mambogo::adapters::sqlite::{SqliteDb, SqliteIdempotency};
use mambogo::domain::idempotency::IdempotencyStore;
use mambogo_tests::contract::idempotency;
use mambogo_tests::emulator::{create_idempotency_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn IdempotencyStore> {
    Arc::new(SqliteIdempotency::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn IdempotencyStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("idempotency");
    create_idempotency_table(&client, &table).await;
    Arc::new(DynamoIdempotency::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_idempotency {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::idempotency::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_idempotency {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::idempotency::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_new_key_is_claimed_once,
    check_completed_key_replays,
    check_lease_of_an_unanswered_claim_passes,
    check_expired_key_counts_as_new,
    check_released_key_can_be_claimed_again,
    check_release_after_complete_keeps_the_response,
    check_handled_events_are_per_consumer,
    check_concurrent_claims_admit_one,
);
