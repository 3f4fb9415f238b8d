//! The sweeper: an expiry and a commit never both settle a reservation; an order whose
//! saga is gone is failed and gives its stock and money back; the captured payment of a
//! cancelled order is refunded once; operators see it at `GET /admin/reconciliation`.
//! Every run is called with a time of the test's choosing; each on the SQLite stores and
//! on the DynamoDB stores.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use mambogo::adapters::dynamodb::{Caches, DynamoStores};
use mambogo::adapters::local_bus::LocalEventBus;
use mambogo::adapters::sqlite::{
    SqliteDb, SqliteIdempotency, SqliteInventory, SqliteOperations, SqliteOrders, SqlitePayments,
};
use mambogo::application::jobs::{SweepSettings, Sweeper, RECONCILE_REFUND, SWEEPER};
use mambogo::application::metrics::MetricsSink;
use mambogo::domain::clock::{Clock, ManualClock};
use mambogo::domain::events::EventType;
use mambogo::domain::idempotency::IdempotencyStore;
use mambogo::domain::ids::{OrderId, ProductId, Sku, UserId};
use mambogo::domain::inventory::{InventoryStore, ReservationStatus, SettleOutcome, StockLine};
use mambogo::domain::money::{Currency, Money};
use mambogo::domain::operations::OperationsLog;
use mambogo::domain::orders::OrderStore;
use mambogo::domain::orders::{Order, OrderLine, OrderStatus, Totals};
use mambogo::domain::payments::PaymentStore;
use mambogo::domain::payments::{
    AuthorizeRequest, GatewayError, Payment, PaymentGateway, PaymentStatus, Refund, RefundStatus,
};
use mambogo::domain::workflow::{ExecutionReport, StartOutcome, Workflow, WorkflowError};
use mambogo_local::{LocalConfig, TestHooks};
use mambogo_tests::aws_shop::aws_stack;
use mambogo_tests::checkout::{checkout, fill_cart, order_id, saga_finished};
use mambogo_tests::contract::inventory::check_invariants;
use mambogo_tests::contract::payments::stored_as;
use mambogo_tests::emulator::moto_endpoint;
use mambogo_tests::metrics::Tally;
use mambogo_tests::on_both_stores;
use mambogo_tests::shop::{token, As, Stores, TestShop};
use serde_json::{json, Value};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2030-01-01 12:00 UTC);
const TTL: Duration = Duration::minutes(15);
const RACE_ROUNDS: u128 = 200;

on_both_stores!(
    an_expiry_sweep_and_a_commit_never_both_settle_a_reservation,
    an_order_whose_saga_is_gone_fails_and_gives_its_stock_and_money_back,
    an_order_captured_but_never_confirmed_is_failed_restocked_and_refunded,
    the_captured_payment_of_a_cancelled_order_is_refunded_once,
    a_refund_whose_gateway_call_was_lost_is_asked_again_under_its_own_key,
);

/// A gateway that remembers every call and, like a real one, does a refund once per
/// idempotency key.
#[derive(Default)]
struct RecordingGateway {
    calls: Mutex<Vec<(&'static str, String)>>,
}

impl RecordingGateway {
    fn calls(&self, operation: &str) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| *name == operation)
            .map(|(_, key)| key.clone())
            .collect()
    }

    /// The refunds the money moved for: one per key, however often it was asked.
    fn refunds_made(&self) -> BTreeSet<String> {
        self.calls("refund").into_iter().collect()
    }

    fn record(&self, operation: &'static str, key: &str) {
        self.calls.lock().unwrap().push((operation, key.to_owned()));
    }
}

#[async_trait]
impl PaymentGateway for RecordingGateway {
    async fn authorize(&self, request: &AuthorizeRequest) -> Result<String, GatewayError> {
        self.record("authorize", &request.idempotency_key);
        Ok(format!("ref-{}", request.order_id))
    }
    async fn capture(
        &self,
        _reference: &str,
        _amount: Money,
        key: &str,
    ) -> Result<(), GatewayError> {
        self.record("capture", key);
        Ok(())
    }
    async fn void(&self, _reference: &str, key: &str) -> Result<(), GatewayError> {
        self.record("void", key);
        Ok(())
    }
    async fn refund(
        &self,
        _reference: &str,
        _amount: Money,
        key: &str,
    ) -> Result<(), GatewayError> {
        self.record("refund", key);
        Ok(())
    }
}

/// Saga executions by name, each with a status the test sets.
#[derive(Default)]
struct Executions(Mutex<HashMap<String, &'static str>>);

impl Executions {
    fn set(&self, order: &OrderId, status: &'static str) {
        self.0.lock().unwrap().insert(order.to_string(), status);
    }
}

#[async_trait]
impl Workflow for Executions {
    async fn start(&self, _name: &str, _input: Value) -> Result<StartOutcome, WorkflowError> {
        Ok(StartOutcome::Started)
    }
    async fn send_task_success(&self, _token: &str, _output: Value) -> Result<(), WorkflowError> {
        Ok(())
    }
    async fn send_task_failure(
        &self,
        _token: &str,
        _error: &str,
        _cause: &str,
    ) -> Result<(), WorkflowError> {
        Ok(())
    }
    async fn failed_since(
        &self,
        _since: time::OffsetDateTime,
    ) -> Result<Vec<String>, WorkflowError> {
        let executions = self.0.lock().unwrap();
        Ok(executions
            .iter()
            .filter(|(_, status)| **status == "FAILED")
            .map(|(name, _)| name.clone())
            .collect())
    }

    async fn describe(&self, name: &str) -> Result<Option<ExecutionReport>, WorkflowError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .get(name)
            .map(|status| ExecutionReport {
                name: name.to_owned(),
                status: (*status).to_owned(),
                input: json!({}),
                output: None,
                error: None,
                cause: None,
                history: Vec::new(),
            }))
    }
}

/// The stores the sweeper works on.
struct SweptStores {
    inventory: Arc<dyn InventoryStore>,
    orders: Arc<dyn OrderStore>,
    payments: Arc<dyn PaymentStore>,
    operations: Arc<dyn OperationsLog>,
    idempotency: Arc<dyn IdempotencyStore>,
}

impl SweptStores {
    /// Fresh stores: on DynamoDB, tables of their own in the emulator, read without caches.
    async fn on(stores: Stores, clock: &Arc<dyn Clock>) -> SweptStores {
        match stores {
            Stores::Sqlite => {
                let db = SqliteDb::in_memory().unwrap();
                SweptStores {
                    inventory: Arc::new(SqliteInventory::new(db.clone())),
                    orders: Arc::new(SqliteOrders::new(db.clone())),
                    payments: Arc::new(SqlitePayments::new(db.clone())),
                    operations: Arc::new(SqliteOperations::new(db.clone())),
                    idempotency: Arc::new(SqliteIdempotency::new(db)),
                }
            }
            Stores::DynamoDb => {
                let stack = aws_stack(moto_endpoint()).await;
                stack.create_missing_tables().await.unwrap();
                let uncached = Caches {
                    catalog: Duration::ZERO,
                    stock: Duration::ZERO,
                };
                let client = aws_sdk_dynamodb::Client::new(&stack.sdk);
                let metrics: Arc<dyn MetricsSink> = Arc::new(Tally::default());
                let stores = DynamoStores::new(
                    &client,
                    |table| stack.table_name(table),
                    clock,
                    uncached,
                    &metrics,
                );
                SweptStores {
                    inventory: stores.inventory,
                    orders: stores.orders,
                    payments: stores.payments,
                    operations: stores.operations,
                    idempotency: stores.idempotency,
                }
            }
        }
    }
}

struct Fixture {
    inventory: Arc<dyn InventoryStore>,
    orders: Arc<dyn OrderStore>,
    payments: Arc<dyn PaymentStore>,
    operations: Arc<dyn OperationsLog>,
    bus: Arc<LocalEventBus>,
    gateway: Arc<RecordingGateway>,
    executions: Arc<Executions>,
    sweeper: Sweeper,
    sku: Sku,
}

impl Fixture {
    /// The sweeper on fresh `stores`.
    async fn new(stores: Stores) -> Fixture {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(T0));
        let SweptStores {
            inventory,
            orders,
            payments,
            operations,
            idempotency,
        } = SweptStores::on(stores, &clock).await;
        let bus = Arc::new(LocalEventBus::routing(Vec::new()));
        let gateway = Arc::new(RecordingGateway::default());
        let executions = Arc::new(Executions::default());
        let sweeper = Sweeper {
            inventory: inventory.clone(),
            orders: orders.clone(),
            payments: payments.clone(),
            workflow: executions.clone(),
            events: bus.clone(),
            gateway: gateway.clone(),
            operations: operations.clone(),
            idempotency,
            clock,
            settings: SweepSettings::default(),
        };
        let sku = Sku::parse("TEE-RED-M").unwrap();
        inventory.set_on_hand(&sku, 1_000).await.unwrap();
        Fixture {
            inventory,
            orders,
            payments,
            operations,
            bus,
            gateway,
            executions,
            sweeper,
            sku,
        }
    }

    async fn available(&self) -> i64 {
        let levels = self
            .inventory
            .stock_levels(std::slice::from_ref(&self.sku))
            .await
            .unwrap();
        levels[0].available
    }

    /// A PENDING order for 2 units placed at `T0`, with its stock reserved until `T0 + TTL`.
    async fn pending_order(&self, serial: u128) -> Order {
        let id = OrderId::from_uuid(Uuid::from_u128(serial));
        let price = Money::new(1_500, Currency::USD);
        let total = Money::new(3_000, Currency::USD);
        let zero = Money::zero(Currency::USD);
        let order = Order::place(
            id,
            UserId::parse("alice").unwrap(),
            vec![OrderLine {
                product_id: ProductId::parse("prod_tee").unwrap(),
                sku: self.sku.clone(),
                name: "Tee".into(),
                quantity: 2,
                unit_price: price,
                line_total: total,
                discount: None,
            }],
            Totals {
                subtotal: total,
                discount: None,
                shipping: zero,
                tax: zero,
                total,
            },
            T0 + TTL,
            T0,
        );
        self.orders.create(&order).await.unwrap();
        let line = StockLine {
            sku: self.sku.clone(),
            quantity: 2,
        };
        self.inventory
            .reserve(&id, &[line], T0 + TTL, T0)
            .await
            .unwrap();
        order
    }

    /// Gives `order` a payment in `status` (authorized or captured).
    async fn pay(&self, order: &Order, status: PaymentStatus) -> Payment {
        let authorizing = Payment::authorizing(
            order.id,
            order.totals.total,
            "tok_approve".into(),
            "task-token".into(),
            T0,
        );
        self.payments.save(&authorizing).await.unwrap();
        let paid = Payment {
            gateway_reference: Some(format!("ref-{}", order.id)),
            ..stored_as(&authorizing, status, T0)
        };
        self.payments.save(&paid).await.unwrap();
        paid
    }

    async fn order(&self, id: &OrderId) -> Order {
        self.orders.order(id).await.unwrap().unwrap()
    }

    async fn payment(&self, id: &OrderId) -> Payment {
        self.payments.payment(id).await.unwrap().unwrap()
    }

    fn published(&self, event_type: EventType, order: &OrderId) -> usize {
        self.bus
            .published()
            .iter()
            .filter(|event| event.event_type == event_type && event.order_id() == Some(*order))
            .count()
    }

    async fn assert_invariants(&self) {
        if let Err(broken) = check_invariants(self.inventory.as_ref()).await {
            panic!("the inventory invariant is broken: {broken:#?}");
        }
    }
}

async fn an_expiry_sweep_and_a_commit_never_both_settle_a_reservation(stores: Stores) {
    let fixture = Fixture::new(stores).await;
    let expired_at = T0 + TTL;
    let (mut swept, mut committed) = (0, 0);
    for round in 0..RACE_ROUNDS {
        let order = OrderId::from_uuid(Uuid::from_u128(0x5000 + round));
        let line = StockLine {
            sku: fixture.sku.clone(),
            quantity: 1,
        };
        fixture
            .inventory
            .reserve(&order, &[line], expired_at, T0)
            .await
            .unwrap();
        let sweep = fixture.sweeper.sweep(expired_at);
        let commit = fixture.inventory.commit(&order);
        // Each side goes first in half of the rounds.
        let (report, commit) = if round % 2 == 0 {
            tokio::join!(sweep, commit)
        } else {
            let (commit, report) = tokio::join!(commit, sweep);
            (report, commit)
        };
        let released = report.released_reservations.contains(&order);
        let commit_won = commit.unwrap() == SettleOutcome::Applied;
        assert!(
            released != commit_won,
            "round {round}: released {released}, committed {commit_won}: exactly one may win"
        );
        let status = fixture
            .inventory
            .reservation(&order)
            .await
            .unwrap()
            .unwrap()
            .status;
        let expected = if commit_won {
            ReservationStatus::Committed
        } else {
            ReservationStatus::Released
        };
        assert_eq!(status, expected, "round {round}");
        if commit_won {
            committed += 1;
        } else {
            swept += 1;
        }
    }
    assert_eq!(swept + committed, RACE_ROUNDS);
    assert!(
        swept > 0 && committed > 0,
        "each side should win some rounds, or the race was never run: {swept} swept, {committed} committed"
    );
    fixture.assert_invariants().await;
    let level = &fixture
        .inventory
        .stock_levels(std::slice::from_ref(&fixture.sku))
        .await
        .unwrap()[0];
    assert_eq!(level.sold, i64::try_from(committed).unwrap());
    assert_eq!(level.reserved, 0);
}

async fn an_order_whose_saga_is_gone_fails_and_gives_its_stock_and_money_back(stores: Stores) {
    let fixture = Fixture::new(stores).await;
    let before = fixture.available().await;
    let orphan = fixture.pending_order(1).await;
    fixture.pay(&orphan, PaymentStatus::Authorized).await;
    let waiting = fixture.pending_order(2).await;
    fixture.executions.set(&waiting.id, "RUNNING");
    let recent = fixture.pending_order(3).await;
    assert_eq!(fixture.available().await, before - 6);

    // Within the window nothing happens.
    let report = fixture.sweeper.sweep(T0 + Duration::minutes(10)).await;
    assert!(report.released_reservations.is_empty() && report.failed_orders.is_empty());

    // Expired: the stock goes back at once; the orders get the grace period.
    let expired = T0 + TTL + Duration::minutes(1);
    let report = fixture.sweeper.sweep(expired).await;
    let released: BTreeSet<_> = report.released_reservations.iter().copied().collect();
    assert_eq!(released, BTreeSet::from([orphan.id, waiting.id, recent.id]));
    assert!(report.failed_orders.is_empty(), "{report:?}");
    assert_eq!(fixture.available().await, before);
    assert_eq!(
        fixture.published(EventType::InventoryReleased, &orphan.id),
        1
    );

    let abandoned = T0 + TTL + SweepSettings::default().grace + Duration::seconds(1);
    fixture.executions.set(&recent.id, "SUCCEEDED");
    let report = fixture.sweeper.sweep(abandoned).await;
    let failed: BTreeSet<_> = report.failed_orders.iter().copied().collect();
    assert_eq!(
        failed,
        BTreeSet::from([orphan.id, recent.id]),
        "the order whose saga still runs is left to it"
    );
    assert_eq!(report.voided_payments, [orphan.id]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);

    let failed_order = fixture.order(&orphan.id).await;
    assert_eq!(failed_order.status, OrderStatus::Failed);
    let change = failed_order.history.last().unwrap();
    assert_eq!((change.actor.as_str(), change.at), (SWEEPER, abandoned));
    assert_eq!(
        fixture.order(&waiting.id).await.status,
        OrderStatus::Pending
    );
    assert_eq!(
        fixture.payment(&orphan.id).await.status,
        PaymentStatus::Voided
    );
    assert_eq!(
        fixture.gateway.calls("void"),
        [format!("{}:void", orphan.id)]
    );
    assert_eq!(fixture.published(EventType::OrderFailed, &orphan.id), 1);
    assert_eq!(fixture.published(EventType::OrderFailed, &recent.id), 1);
    assert_eq!(fixture.available().await, before);

    // A second run finds nothing more to do.
    let again = fixture
        .sweeper
        .sweep(abandoned + Duration::minutes(1))
        .await;
    assert!(again.failed_orders.is_empty() && again.voided_payments.is_empty());
    assert_eq!(fixture.published(EventType::OrderFailed, &orphan.id), 1);
    assert_eq!(fixture.gateway.calls("void").len(), 1);
    fixture.assert_invariants().await;
}

async fn an_order_captured_but_never_confirmed_is_failed_restocked_and_refunded(stores: Stores) {
    let fixture = Fixture::new(stores).await;
    let before = fixture.available().await;
    // The saga captured and committed, then died before confirming the order.
    let order = fixture.pending_order(1).await;
    fixture.pay(&order, PaymentStatus::Captured).await;
    assert_eq!(
        fixture.inventory.commit(&order.id).await.unwrap(),
        SettleOutcome::Applied
    );

    let abandoned = T0 + TTL + SweepSettings::default().grace;
    let report = fixture.sweeper.sweep(abandoned).await;
    assert_eq!(report.failed_orders, [order.id]);
    assert_eq!(report.refunded_payments, [order.id]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(fixture.order(&order.id).await.status, OrderStatus::Failed);
    assert_eq!(fixture.available().await, before, "the sold units are back");
    let payment = fixture.payment(&order.id).await;
    let refund = payment.refund(RECONCILE_REFUND).unwrap();
    assert_eq!(refund.amount, order.totals.total);
    assert_eq!(
        fixture.gateway.refunds_made(),
        BTreeSet::from([payment.refund_key(RECONCILE_REFUND)])
    );
    fixture.assert_invariants().await;
}

async fn the_captured_payment_of_a_cancelled_order_is_refunded_once(stores: Stores) {
    let fixture = Fixture::new(stores).await;
    let mut order = fixture.pending_order(1).await;
    fixture.pay(&order, PaymentStatus::Captured).await;
    fixture.inventory.commit(&order.id).await.unwrap();
    order
        .transition(OrderStatus::Confirmed, "checkout-saga", None, T0)
        .unwrap();
    fixture.orders.update(&order).await.unwrap();
    // Cancelled, but the cancel died before it refunded.
    let cancelled_at = T0 + Duration::minutes(1);
    order
        .transition(
            OrderStatus::Cancelled,
            "alice",
            Some("changed my mind".into()),
            cancelled_at,
        )
        .unwrap();
    fixture.orders.update(&order).await.unwrap();

    let soon = fixture
        .sweeper
        .sweep(cancelled_at + Duration::minutes(1))
        .await;
    assert!(
        soon.refunded_payments.is_empty(),
        "a cancel in flight is given the grace period"
    );
    let later = cancelled_at + SweepSettings::default().grace;
    let first = fixture.sweeper.sweep(later).await;
    let second = fixture.sweeper.sweep(later + Duration::seconds(30)).await;
    assert_eq!(first.refunded_payments, [order.id]);
    assert!(second.refunded_payments.is_empty(), "{second:?}");

    let payment = fixture.payment(&order.id).await;
    assert_eq!(payment.refunds.len(), 1);
    let refund = &payment.refunds[0];
    assert_eq!(
        (refund.id.as_str(), refund.amount, refund.status),
        (
            RECONCILE_REFUND,
            order.totals.total,
            RefundStatus::Requested
        )
    );
    assert_eq!(fixture.gateway.calls("refund").len(), 1);

    // Still unconfirmed after the grace period: asked again under the same key, which
    // moves no more money.
    fixture
        .sweeper
        .sweep(later + SweepSettings::default().grace)
        .await;
    assert_eq!(fixture.gateway.calls("refund").len(), 2);
    assert_eq!(fixture.gateway.refunds_made().len(), 1);

    // The gateway's webhook confirms it: the payment is refunded and left alone.
    let confirmed = payment
        .with_refund_succeeded(RECONCILE_REFUND, later + Duration::minutes(6))
        .unwrap();
    fixture.payments.save(&confirmed).await.unwrap();
    assert_eq!(confirmed.status, PaymentStatus::Refunded);
    let settled = fixture.sweeper.sweep(later + Duration::hours(1)).await;
    assert!(settled.refunded_payments.is_empty());
    assert_eq!(fixture.gateway.calls("refund").len(), 2);

    let kept = fixture.operations.latest_sweeps(10).await.unwrap();
    assert!(
        kept.iter()
            .any(|report| report.refunded_payments == [order.id]),
        "{kept:?}"
    );
    assert!(
        kept.iter()
            .all(|report| report.ran_at != cancelled_at + Duration::minutes(1)),
        "a run that found nothing is not kept"
    );
}

async fn a_refund_whose_gateway_call_was_lost_is_asked_again_under_its_own_key(stores: Stores) {
    let fixture = Fixture::new(stores).await;
    let mut order = fixture.pending_order(1).await;
    let captured = fixture.pay(&order, PaymentStatus::Captured).await;
    fixture.inventory.commit(&order.id).await.unwrap();
    order
        .transition(OrderStatus::Confirmed, "checkout-saga", None, T0)
        .unwrap();
    fixture.orders.update(&order).await.unwrap();
    order
        .transition(OrderStatus::Cancelled, "alice", None, T0)
        .unwrap();
    fixture.orders.update(&order).await.unwrap();
    // The cancel recorded its refund, then died before it asked the gateway.
    let recorded = captured.with_refund(
        Refund::requested("cancel", Vec::new(), captured.amount, T0),
        T0,
    );
    fixture.payments.save(&recorded).await.unwrap();

    let report = fixture
        .sweeper
        .sweep(T0 + SweepSettings::default().grace)
        .await;
    assert!(
        report.refunded_payments.is_empty(),
        "the cancel's refund covers it"
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        fixture.gateway.calls("refund"),
        [recorded.refund_key("cancel")]
    );
    let payment = fixture.payment(&order.id).await;
    assert_eq!(payment.refunds.len(), 1, "no second refund is recorded");
}

#[tokio::test]
async fn operators_see_reconciliation_and_shoppers_may_not() {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let hooks = TestHooks {
        clock: Some(clock.clone() as Arc<dyn Clock>),
        ..TestHooks::default()
    };
    let shop = TestShop::start_with(LocalConfig::ephemeral(), hooks).await;
    let alice = token("alice", false);
    let admin = token("ops", true);
    fill_cart(&shop, &alice, &[("MB-0002-BLK", 1)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_approve").await);
    saga_finished(&shop, &id).await;
    let services = &shop.inner().services;
    let mut order = services.orders.order(&id).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Confirmed);
    // A cancel that died after the point of no return, before its refund.
    order
        .transition(OrderStatus::Cancelled, "alice", None, clock.now())
        .unwrap();
    services.orders.update(&order).await.unwrap();

    clock.advance(SweepSettings::default().grace + Duration::seconds(1));
    let sweeper = &shop.inner().sweeper;
    sweeper.sweep(clock.now()).await;
    sweeper.sweep(clock.now()).await;

    let payment = services.payments.payment(&id).await.unwrap().unwrap();
    let reconciled: Vec<_> = payment
        .refunds
        .iter()
        .filter(|refund| refund.id == RECONCILE_REFUND)
        .collect();
    assert_eq!(reconciled.len(), 1, "{payment:?}");
    assert_eq!(payment.refunded_total(), payment.amount);

    let refused = shop.get("/admin/reconciliation", As::user(&alice)).await;
    assert_eq!(refused.status.as_u16(), 403);
    let anonymous = shop.get("/admin/reconciliation", As::default()).await;
    assert_eq!(anonymous.status.as_u16(), 401);
    let bad = shop
        .get("/admin/reconciliation?limit=0", As::user(&admin))
        .await;
    assert_eq!(bad.status.as_u16(), 400);

    let reply = shop.get("/admin/reconciliation", As::user(&admin)).await;
    assert_eq!(reply.status.as_u16(), 200, "{:?}", reply.body);
    let refunded: Vec<&Value> = reply.body["reports"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|report| report["refundedPayments"].as_array().unwrap())
        .collect();
    assert_eq!(
        refunded,
        [&json!(id.to_string())],
        "one run refunded it, whichever ran first: {:#}",
        reply.body
    );
    shop.stop().await;
}
