//! The coupon store contract, run against every adapter.

use std::sync::Arc;

use mambogo::adapters::access::Table;
use mambogo::adapters::dynamodb::DynamoCoupons;
use mambogo::adapters::sqlite::{SqliteCoupons, SqliteDb};
use mambogo::domain::coupons::CouponStore;
use mambogo_tests::contract::coupons;
use mambogo_tests::emulator::{create_table, dynamodb_client, unique_table_name};

fn sqlite() -> Arc<dyn CouponStore> {
    Arc::new(SqliteCoupons::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn CouponStore> {
    let client = dynamodb_client().await;
    let table = unique_table_name("coupons");
    create_table(&client, &table, Table::Coupons).await;
    Arc::new(DynamoCoupons::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod sqlite_coupons {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::coupons::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_coupons {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::coupons::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_created_coupon_reads_back,
    check_redemptions_stop_at_the_maximum_under_concurrency,
    check_the_per_customer_limit_holds_under_concurrency,
    check_a_retried_redemption_counts_once,
    check_a_release_gives_the_use_back_once,
    check_a_deactivated_coupon_is_refused,
);
