//! Each guard lets through exactly what its grant covers, and a refusal says who may not
//! do what, and where that is decided.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::json;
use time::OffsetDateTime;

use super::*;
use crate::adapters::access::manifest::WorkflowAction;
use crate::adapters::access::test_support::CountingBackend;
use crate::adapters::sqlite::{
    SqliteCarts, SqliteDb, SqliteFlashSales, SqliteIdempotency, SqliteInventory,
};
use crate::domain::cart::CartStore;
use crate::domain::cart::{Cart, CartOwner};
use crate::domain::events::{EventPublisher, PublishError};
use crate::domain::flash_sale::{FlashSale, FlashSaleStore, Ticket};
use crate::domain::idempotency::IdempotencyStore;
use crate::domain::ids::{CartId, ProductId, SaleId, Sku, TicketId, UserId};
use crate::domain::inventory::{InventoryError, InventoryStore};
use crate::domain::money::{Currency, Money};
use crate::domain::workflow::{Workflow, WorkflowError};

fn carts(granted: Option<Access>) -> GuardedCarts {
    let db = SqliteDb::in_memory().expect("an in-memory database opens");
    GuardedCarts::new(
        Arc::new(SqliteCarts::new(db)),
        TableGrant::new("get-cart", Table::Carts, granted),
    )
}

fn new_cart(now: OffsetDateTime) -> Cart {
    let mut cart = Cart::new(
        CartId::from_uuid(uuid::Uuid::new_v4()),
        CartOwner::Guest,
        now,
    );
    cart.touch(now);
    cart
}

fn not_granted(what: &str) -> StoreError {
    StoreError::NotGranted(format!("get-cart may not {what} (functions/manifest.json)"))
}

#[tokio::test]
async fn a_write_grant_reads_and_writes() {
    let store = carts(Some(Access::Write));
    let now = OffsetDateTime::now_utc();
    let cart = new_cart(now);
    store.save(&cart, now).await.expect("write is granted");
    let read = store.cart(&cart.id, now).await.expect("read is granted");
    assert_eq!(read.map(|cart| cart.id), Some(cart.id));
}

#[tokio::test]
async fn a_read_grant_reads_and_cannot_write() {
    let store = carts(Some(Access::Read));
    let now = OffsetDateTime::now_utc();
    let cart = new_cart(now);
    assert_eq!(store.cart(&cart.id, now).await, Ok(None));
    assert_eq!(
        store.save(&cart, now).await,
        Err(not_granted("write the carts table"))
    );
    assert_eq!(
        store.save_merged(&cart, &cart, now).await,
        Err(not_granted("write the carts table"))
    );
}

#[tokio::test]
async fn no_grant_neither_reads_nor_writes() {
    let store = carts(None);
    let now = OffsetDateTime::now_utc();
    let cart = new_cart(now);
    assert_eq!(
        store.cart(&cart.id, now).await,
        Err(not_granted("read the carts table"))
    );
    assert_eq!(
        store.save(&cart, now).await,
        Err(not_granted("write the carts table"))
    );
}

#[test]
fn the_refusal_names_function_table_and_access() {
    let grant = TableGrant::new("list-products", Table::MockLedger, Some(Access::Read));
    let refused = grant
        .check(Access::Write)
        .expect_err("read does not cover write");
    assert_eq!(
        refused.to_string(),
        "list-products may not write the mock-ledger table (functions/manifest.json)"
    );
}

#[tokio::test]
async fn inventory_refusals_are_store_errors() {
    let db = SqliteDb::in_memory().expect("an in-memory database opens");
    let store = GuardedInventory::new(
        Arc::new(SqliteInventory::new(db)),
        TableGrant::new("get-product", Table::Inventory, Some(Access::Read)),
    );
    let sku = Sku::parse("TEE-1").expect("a valid SKU");
    assert_eq!(
        store.stock_levels(std::slice::from_ref(&sku)).await,
        Ok(vec![])
    );
    assert_eq!(
        store.set_on_hand(&sku, 3).await,
        Err(InventoryError::Store(StoreError::NotGranted(
            "get-product may not write the inventory table (functions/manifest.json)".into()
        )))
    );
}

/// A sale of ten units for an hour from now.
fn flash_sale(now: OffsetDateTime) -> FlashSale {
    FlashSale {
        id: SaleId::from_uuid(uuid::Uuid::new_v4()),
        sku: Sku::parse("TEE-1").expect("a valid SKU"),
        product_id: ProductId::parse("tee").expect("a valid product id"),
        units: 10,
        sale_price: Money::new(500, Currency::USD),
        regular_price: Money::new(1_000, Currency::USD),
        starts_at: now,
        ends_at: now + time::Duration::hours(1),
        per_customer_limit: 1,
        token_ttl_seconds: 300,
        holds: 2,
        created_at: now,
    }
}

#[tokio::test]
async fn flash_sale_reads_need_read_and_every_change_write() {
    let db = SqliteDb::in_memory().expect("an in-memory database opens");
    let store = GuardedFlashSales::new(
        Arc::new(SqliteFlashSales::new(db)),
        TableGrant::new("get-sale", Table::FlashSales, Some(Access::Read)),
    );
    let now = OffsetDateTime::now_utc();
    let sale = flash_sale(now);
    let buyer = UserId::parse("alice").expect("a valid user id");
    let ticket = Ticket::new(
        &sale,
        buyer.clone(),
        TicketId::from_uuid(uuid::Uuid::new_v4()),
        now,
    );
    assert_eq!(store.sale(&sale.id).await, Ok(None));
    assert_eq!(store.ticket(&sale.id, &buyer).await, Ok(None));
    assert_eq!(
        store.waiting_ahead(&sale.id, ticket.queue_key, 9).await,
        Ok(0)
    );
    assert_eq!(store.next_waiting(&sale.id, 9).await, Ok(vec![]));
    assert_eq!(store.admitted_count(&sale.id, 9).await, Ok(0));
    assert_eq!(store.expired_tokens(&sale.id, now, 9).await, Ok(vec![]));
    let refused = || {
        StoreError::NotGranted(
            "get-sale may not write the flash-sales table (functions/manifest.json)".into(),
        )
    };
    assert_eq!(store.create_sale(&sale).await, Err(refused()));
    assert_eq!(store.join(&ticket).await, Err(refused()));
    assert_eq!(store.update_ticket(&ticket).await, Err(refused()));
}

#[tokio::test]
async fn claiming_an_idempotency_key_is_a_write() {
    let db = SqliteDb::in_memory().expect("an in-memory database opens");
    let store = GuardedIdempotency::new(
        Arc::new(SqliteIdempotency::new(db)),
        TableGrant::new("clear-cart", Table::Idempotency, Some(Access::Read)),
    );
    let now = OffsetDateTime::now_utc();
    assert_eq!(store.handled("clear-cart", "event-1").await, Ok(false));
    assert!(matches!(
        store.claim("key", "fingerprint", now, now).await,
        Err(StoreError::NotGranted(_))
    ));
}

#[tokio::test]
async fn publishing_needs_the_publishes_grant() {
    let bus = Arc::new(CountingBackend::default());
    let silent = GuardedPublisher::new(bus.clone(), "fail-order", false);
    assert_eq!(
        silent.publish(vec![]).await,
        Err(PublishError::NotGranted(
            "fail-order may not publish events (functions/manifest.json)".into()
        ))
    );
    assert_eq!(bus.calls(), 0);
    let publisher = GuardedPublisher::new(bus.clone(), "place-order", true);
    assert_eq!(publisher.publish(vec![]).await, Ok(()));
    assert_eq!(bus.calls(), 1);
}

#[tokio::test]
async fn each_workflow_action_needs_its_grant() {
    let engine = Arc::new(CountingBackend::default());
    let workflow = GuardedWorkflow::new(
        engine.clone(),
        "place-order",
        BTreeSet::from([WorkflowAction::Start]),
    );
    assert!(workflow.start("order-1", json!({})).await.is_ok());
    let refused = |action: &str| {
        WorkflowError::NotGranted(format!(
            "place-order may not use the workflow action {action} (functions/manifest.json)"
        ))
    };
    assert_eq!(
        workflow.send_task_success("token", json!({})).await,
        Err(refused("callback"))
    );
    assert_eq!(
        workflow.send_task_failure("token", "Declined", "no").await,
        Err(refused("callback"))
    );
    assert_eq!(workflow.describe("order-1").await, Err(refused("describe")));
    assert_eq!(engine.calls(), 1);
}
