//! The mock gateway's ledger contract, run against every adapter: in memory, SQLite (the
//! local shop's) and DynamoDB (the cloud demo's); and the SQLite ledger's webhooks, due
//! until their delivery is acknowledged.

use std::sync::Arc;

use mambogo::adapters::dynamodb::DynamoMockLedger;
use mambogo::adapters::mock_gateway::{
    DeliveryReceipts, InMemoryLedger, MockLedger, MockPayment, NewAuthorization, Stage,
};
use mambogo::adapters::sqlite::{SqliteDb, SqliteMockLedger};
use mambogo::domain::ids::OrderId;
use mambogo::domain::money::{Currency, Money};
use mambogo::domain::payments::{GatewayEvent, GatewayEventKind};
use mambogo_tests::contract::mock_ledger;
use mambogo_tests::emulator::{create_mock_ledger_table, dynamodb_client, unique_table_name};

fn in_memory() -> Arc<dyn MockLedger> {
    Arc::new(InMemoryLedger::default())
}

fn sqlite() -> Arc<dyn MockLedger> {
    Arc::new(SqliteMockLedger::new(
        SqliteDb::in_memory().expect("an in-memory database"),
    ))
}

async fn dynamodb() -> Arc<dyn MockLedger> {
    let client = dynamodb_client().await;
    let table = unique_table_name("mock-ledger");
    create_mock_ledger_table(&client, &table).await;
    Arc::new(DynamoMockLedger::new(client, table))
}

/// One test per check and adapter, named `<adapter>::<check>`.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod in_memory_mock_ledger {
            $(#[tokio::test]
            async fn $check() {
                super::mock_ledger::$check(super::in_memory()).await;
            })*
        }

        mod sqlite_mock_ledger {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::mock_ledger::$check(super::sqlite()).await;
            })*
        }

        mod dynamodb_mock_ledger {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                super::mock_ledger::$check(super::dynamodb().await).await;
            })*
        }
    };
}

contract!(
    check_an_authorization_is_recorded_once,
    check_a_step_is_recorded_once_and_replayed,
    check_a_stale_step_changes_nothing,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_webhooks_stay_due_until_delivered() {
    let ledger = SqliteMockLedger::new(SqliteDb::in_memory().unwrap());
    let order = OrderId::parse("7f0c1b8e-2d4a-4c3b-9e1f-0a2b3c4d5e6f").unwrap();
    let amount = Money::new(2_500, Currency::USD);
    let webhook = |id: &str, reference: &str| GatewayEvent {
        id: id.to_owned(),
        kind: GatewayEventKind::Authorized,
        order_id: order,
        reference: reference.to_owned(),
        amount,
        reason: None,
        refund_id: None,
    };
    for (key, reference, event) in [("k1", "pay_1", "evt_1"), ("k2", "pay_2", "evt_2")] {
        ledger
            .authorize(&NewAuthorization {
                idempotency_key: key.to_owned(),
                reference: reference.to_owned(),
                payment: MockPayment::new(order, amount, Stage::Authorized),
                webhook: Some(webhook(event, reference)),
            })
            .await
            .unwrap();
    }
    assert_eq!(
        ledger.due_webhooks(10).await.unwrap(),
        [webhook("evt_1", "pay_1"), webhook("evt_2", "pay_2")],
        "oldest first"
    );
    ledger.delivered("evt_1").await;
    assert_eq!(
        ledger.due_webhooks(10).await.unwrap(),
        [webhook("evt_2", "pay_2")]
    );
}
