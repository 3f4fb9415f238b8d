//! The DynamoDB inventory counts its reservations' lost races (`reservation_conflicts`)
//! and the attempts made again after them (`reservation_retries`), whichever way the
//! race was lost: a shard emptied between the reserve's read and its write, or another
//! transaction writing one of its items at the same time. The races are made by the
//! fault proxy in front of moto, so each is lost exactly when the test says.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoInventory;
use mambogo::application::metrics::{RESERVATION_CONFLICTS, RESERVATION_RETRIES};
use mambogo::domain::ids::{OrderId, Sku};
use mambogo::domain::inventory::{InventoryError, InventoryStore, ReserveOutcome, StockLine};
use mambogo::domain::store::{StoreError, WRITE_ATTEMPTS};
use mambogo_tests::aws_faults::{AwsFault, FaultRule, FaultyAws};
use mambogo_tests::aws_shop::aws_stack;
use mambogo_tests::emulator::{create_inventory_table, unique_table_name};
use mambogo_tests::metrics::Tally;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_reservation_races_are_counted() {
    let proxy = FaultyAws::start().await;
    let stack = aws_stack(proxy.endpoint()).await;
    let client = aws_sdk_dynamodb::Client::new(&stack.sdk);
    let table = unique_table_name("inventory");
    create_inventory_table(&client, &table).await;
    let tally = Arc::new(Tally::default());
    let inventory = DynamoInventory::new(client, table).counting_into(tally.clone());
    let sku = Sku::parse("RACE-1").unwrap();
    inventory.set_stock(&sku, 10, None).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let reserve = |order: u128| {
        let lines = [StockLine {
            sku: sku.clone(),
            quantity: 1,
        }];
        let inventory = &inventory;
        async move {
            let order = OrderId::from_uuid(Uuid::from_u128(order));
            inventory
                .reserve(&order, &lines, now + Duration::minutes(15), now)
                .await
        }
    };
    let counted = || {
        (
            tally.of(RESERVATION_CONFLICTS),
            tally.of(RESERVATION_RETRIES),
        )
    };

    assert_eq!(reserve(1).await, Ok(ReserveOutcome::Reserved));
    assert_eq!(
        counted(),
        (0, 0),
        "a reserve that won its race counts nothing"
    );

    proxy.arm(FaultRule::next(
        "TransactWriteItems",
        AwsFault::LastItemRefused,
        1,
    ));
    assert_eq!(reserve(2).await, Ok(ReserveOutcome::Reserved));
    assert_eq!(
        counted(),
        (1, 1),
        "its shard emptied under it, it looked again"
    );

    proxy.arm(FaultRule::next(
        "TransactWriteItems",
        AwsFault::TransactionConflict,
        2,
    ));
    assert_eq!(reserve(3).await, Ok(ReserveOutcome::Reserved));
    assert_eq!(counted(), (3, 3), "two collisions, each tried again");

    proxy.arm(FaultRule::next(
        "TransactWriteItems",
        AwsFault::TransactionConflict,
        WRITE_ATTEMPTS,
    ));
    assert_eq!(
        reserve(4).await,
        Err(InventoryError::Store(StoreError::Conflict))
    );
    let attempts = WRITE_ATTEMPTS as u64;
    assert_eq!(
        counted(),
        (3 + attempts, 3 + attempts - 1),
        "a collision on every attempt: the last one is given up on, not retried"
    );
    assert_eq!(proxy.disarm(), vec![1, 2, WRITE_ATTEMPTS]);

    let level = inventory.stock_levels(&[sku]).await.unwrap();
    assert_eq!(level[0].available, 7, "three reserved, the fourth not");
}
