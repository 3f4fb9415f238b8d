//! The review store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::access::Table;
use mambogo::adapters::dynamodb::DynamoReviews;
use mambogo::adapters::sqlite::{SqliteDb, SqliteReviews};
use mambogo::domain::reviews::ReviewStore;
use mambogo_tests::contract::reviews;
use mambogo_tests::emulator::{create_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn ReviewStore> {
    Arc::new(SqliteReviews::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn ReviewStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("reviews");
    create_table(&client, &table, Table::Reviews).await;
    Arc::new(DynamoReviews::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_reviews {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::reviews::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_reviews {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::reviews::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_a_written_review_reads_back_and_counts,
    check_one_review_per_shopper_and_product,
    check_edits_and_hiding_move_the_rating,
    check_reviews_list_newest_and_best_first_in_pages,
    check_racing_reviews_count_exactly,
);
