//! The saga fault matrix: every task of `statemachines/checkout.asl.json` × {a transient
//! error then success, a permanent error, a timeout after the step did its work, a
//! duplicate delivery, a crash between the step's writes and its reply}, each on a fresh
//! file-backed shop run by the local runner. After the saga, every webhook the gateway
//! sent is delivered (again) and the sweeper runs past the reservation window, as it
//! would in the next minutes. Then, in every cell: the order has ended (CONFIRMED, or
//! CANCELLED/FAILED), a confirmed order's payment is captured and its stock committed,
//! an ended order's payment is not held and its stock is back, its outcome was
//! published, every event matches its schema and the inventory invariant holds. The
//! matrix is printed with each cell's end state.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use mambogo::application::jobs::sweep_and_admit;
use mambogo::domain::clock::{Clock, ManualClock};
use mambogo::domain::ids::OrderId;
use mambogo_local::workflow::TaskFailure;
use mambogo_local::{DataLocation, Fault, FaultInjector, LocalConfig, TestHooks};
use mambogo_tests::checkout::{
    assert_consistent, available, checkout, deliver_webhook, fill_cart, order, order_id, published,
    saga_finished,
};
use mambogo_tests::matrix::Matrix;
use mambogo_tests::shop::{token, TestShop};
use time::{Duration, OffsetDateTime};
use tokio::sync::Notify;

const SKU: &str = "MB-0007-BLK";
const QUANTITY: i64 = 2;
/// How long a cell may take before it counts as stuck: far longer than any cell takes.
const STUCK: std::time::Duration = std::time::Duration::from_secs(120);

/// How the checkout goes before the cell's fault, so that the cell's task runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// The payment is approved: reserve, authorize, confirm, publish.
    Approved,
    /// The payment is declined: release, cancel, publish.
    Declined,
    /// Confirming fails for good after the payment was authorized: refund, release, cancel.
    ConfirmFails,
    /// Reserving answers OutOfStock: fail the order, publish.
    OutOfStock,
}

/// The fault a cell injects into its task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Transient,
    Permanent,
    Timeout,
    Duplicate,
    Crash,
}

const KINDS: [Kind; 5] = [
    Kind::Transient,
    Kind::Permanent,
    Kind::Timeout,
    Kind::Duplicate,
    Kind::Crash,
];

/// Every task state of the ASL file: its name, the step the local runner calls for it,
/// and the path that reaches it.
const TASKS: [(&str, &str, Path); 10] = [
    ("ReserveInventory", "reserve-inventory", Path::Approved),
    ("AuthorizePayment", "authorize-payment", Path::Approved),
    ("ConfirmOrder", "confirm-order", Path::Approved),
    (
        "PublishOrderConfirmed",
        "events:OrderConfirmed",
        Path::Approved,
    ),
    ("FailOrder", "fail-order", Path::OutOfStock),
    ("PublishOrderFailed", "events:OrderFailed", Path::OutOfStock),
    ("RefundPayment", "refund-payment", Path::ConfirmFails),
    ("ReleaseInventory", "release-inventory", Path::Declined),
    ("CancelOrder", "mark-order-cancelled", Path::Declined),
    (
        "PublishOrderCancelled",
        "events:OrderCancelled",
        Path::Declined,
    ),
];

fn failure(error: &str) -> TaskFailure {
    TaskFailure::new(error, "injected by the fault matrix")
}

/// The faults of one cell: the path's own, and the cell's on its step — on the first call
/// only, except a permanent error, which every call gets. `crashed` is told once the
/// crashing step has done its work.
fn injector(step: &'static str, path: Path, kind: Kind, crashed: Arc<Notify>) -> FaultInjector {
    let calls: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    Arc::new(move |called: &str| -> BoxFuture<'static, Option<Fault>> {
        let call = {
            let mut calls = calls.lock().unwrap();
            let count = calls.entry(called.to_owned()).or_default();
            *count += 1;
            *count
        };
        let path_fault = match (path, called) {
            (Path::ConfirmFails, "confirm-order") => {
                Some(Fault::Fail(failure("Injected.Permanent")))
            }
            (Path::OutOfStock, "reserve-inventory") => Some(Fault::Fail(failure("OutOfStock"))),
            _ => None,
        };
        let transient = if step.starts_with("events:") {
            "EventBridge.InternalException"
        } else {
            "Lambda.ServiceException"
        };
        let fault = if called != step {
            path_fault
        } else {
            match (kind, call) {
                (Kind::Permanent, _) => Some(Fault::Fail(failure("Injected.Permanent"))),
                (_, 2..) => None,
                (Kind::Transient, _) => Some(Fault::Fail(failure(transient))),
                (Kind::Timeout, _) => Some(Fault::FailAfterRunning(failure("Sandbox.Timedout"))),
                (Kind::Duplicate, _) => Some(Fault::RunTwice),
                (Kind::Crash, _) => Some(Fault::HangAfterRunning(Arc::clone(&crashed))),
            }
        };
        Box::pin(async move { fault })
    })
}

/// Where a cell ended.
struct Outcome {
    status: String,
    payment: String,
    stock_moved: i64,
    outcome_events: usize,
    execution: String,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} stock{:+} ev{} {}",
            self.status, self.payment, self.stock_moved, self.outcome_events, self.execution
        )
    }
}

fn shop_hooks(clock: &Arc<ManualClock>, faults: Option<FaultInjector>) -> TestHooks {
    TestHooks {
        clock: Some(Arc::clone(clock) as Arc<dyn Clock>),
        faults,
        ..TestHooks::default()
    }
}

/// Runs one cell and says where it ended, or what broke.
async fn run_cell(step: &'static str, path: Path, kind: Kind) -> Result<Outcome, String> {
    let folder: PathBuf =
        std::env::temp_dir().join(format!("mambogo-matrix-{}", uuid::Uuid::new_v4()));
    let mut config = LocalConfig::ephemeral();
    config.data = DataLocation::File(folder.join("shop.db"));
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let crashed = Arc::new(Notify::new());
    let faults = injector(step, path, kind, Arc::clone(&crashed));
    let mut shop = TestShop::start_with(config.clone(), shop_hooks(&clock, Some(faults))).await;
    let alice = token("alice", false);
    let before = available(&shop, SKU).await;
    fill_cart(&shop, &alice, &[(SKU, QUANTITY as u32)]).await;
    let payment = if path == Path::Declined {
        "tok_decline"
    } else {
        "tok_approve"
    };
    let id = order_id(&checkout(&shop, &alice, "matrix", payment).await);

    let mut earlier_webhooks = Vec::new();
    let mut earlier_events = 0;
    if kind == Kind::Crash {
        crashed.notified().await;
        earlier_webhooks = shop.inner().gateway.sent_webhooks();
        earlier_events = outcome_events(&shop, &id);
        // The same data, and the path's faults only: the step crashed once.
        shop.stop().await;
        // The same data, and the path's faults only: the step crashed once. The shop
        // sends the webhooks its gateway still owed.
        let faults = injector("", path, kind, Arc::new(Notify::new()));
        shop = TestShop::start_with(config, shop_hooks(&clock, Some(faults))).await;
    }
    let execution = saga_finished(&shop, &id).await;
    let mut webhooks = earlier_webhooks;
    webhooks.extend(shop.inner().gateway.sent_webhooks());
    deliver_all(&shop, &webhooks).await?;
    // Past the reservation window, then past the sweeper's grace for what it changed.
    for wait in [Duration::hours(2), Duration::minutes(10)] {
        clock.advance(wait);
        let now = clock.now();
        sweep_and_admit(&shop.inner().sweeper, &shop.inner().sweeper_services, now).await;
    }

    let seen = order(&shop, &alice, &id).await;
    let outcome = Outcome {
        status: seen["status"].as_str().unwrap_or("?").to_owned(),
        payment: seen["payment"]["status"]
            .as_str()
            .unwrap_or("none")
            .to_owned(),
        stock_moved: available(&shop, SKU).await - before,
        outcome_events: earlier_events + outcome_events(&shop, &id),
        execution: format!("{:?}", execution.status),
    };
    assert_consistent(&shop).await;
    shop.stop().await;
    let _ = std::fs::remove_dir_all(folder);
    check(&outcome, step, path, kind).map(|()| outcome)
}

/// Whether the cell is one whose saga cannot publish the outcome: a PutEvents step that
/// fails past its retries fails the execution, and the sweeper publishes the outcome.
fn unpublished(step: &str, kind: Kind) -> bool {
    step.starts_with("events:") && kind == Kind::Permanent
}

/// Delivers `webhooks` (again): each is applied once, however often it arrives.
async fn deliver_all(shop: &TestShop, webhooks: &[(Vec<u8>, String)]) -> Result<(), String> {
    for (body, signature) in webhooks {
        let body = String::from_utf8_lossy(body);
        let answer = deliver_webhook(shop, &body, signature).await;
        if answer.status.is_server_error() {
            return Err(format!(
                "a webhook got {}: {:?}",
                answer.status, answer.body
            ));
        }
    }
    Ok(())
}

/// How many OrderConfirmed, OrderCancelled and OrderFailed events were published.
fn outcome_events(shop: &TestShop, id: &OrderId) -> usize {
    ["OrderConfirmed", "OrderCancelled", "OrderFailed"]
        .iter()
        .map(|detail_type| published(shop, detail_type, id))
        .sum()
}

/// What every cell must end in; and for the faults a retry or a replay absorbs, the same
/// end as the path without a fault.
fn check(outcome: &Outcome, step: &str, path: Path, kind: Kind) -> Result<(), String> {
    let broken = |why: &str| Err(format!("{why}: {outcome}"));
    match outcome.status.as_str() {
        "CONFIRMED" => {
            if outcome.payment != "CAPTURED" {
                return broken("confirmed without a captured payment");
            }
            if outcome.stock_moved != -QUANTITY {
                return broken("confirmed without its stock committed");
            }
        }
        "CANCELLED" | "FAILED" => {
            if matches!(outcome.payment.as_str(), "CAPTURED" | "AUTHORIZED") {
                return broken("ended with the payment still held");
            }
            if outcome.stock_moved != 0 {
                return broken("ended without its stock back");
            }
        }
        _ => return broken("the order never ended"),
    }
    if outcome.outcome_events == 0 {
        return broken("the order's outcome was never published");
    }
    if unpublished(step, kind) && outcome.execution != "Failed" {
        return broken("expected a failed execution, its outcome published by the sweeper");
    }
    let absorbed = matches!(kind, Kind::Transient | Kind::Duplicate | Kind::Crash);
    let expected = match path {
        Path::Approved => "CONFIRMED",
        Path::Declined | Path::ConfirmFails => "CANCELLED",
        Path::OutOfStock => "FAILED",
    };
    if absorbed && outcome.status != expected {
        return broken(&format!("expected {expected} as without the fault"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_under_every_fault_ends_confirmed_or_compensated() {
    let matrix = Matrix {
        corner: "task \\ fault",
        rows: TASKS
            .iter()
            .map(|(name, _, _)| (*name).to_owned())
            .collect(),
        columns: KINDS.iter().map(|kind| format!("{kind:?}")).collect(),
        width: 42,
    };
    let broken = matrix
        .run(
            |_, _| true,
            STUCK,
            |task, kind| {
                let (_, step, path) = TASKS[task];
                run_cell(step, path, KINDS[kind])
            },
            Outcome::to_string,
        )
        .await;
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
