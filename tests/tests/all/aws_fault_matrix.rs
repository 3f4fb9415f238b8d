//! The AWS fault matrix: the shop on AWS's services in the emulator (its DynamoDB stores,
//! its events through EventBridge and its consumers' queues), all reached through a proxy
//! that makes every other invocation of one operation (a call and the SDK's retries of
//! it) meet one fault on its first attempt — throttling, exceeded throughput, a
//! transaction conflict, an internal error, a lost connection, a call that took effect
//! and lost its answer, or (PutEvents) a refused entry — or, in the outage column, the
//! next invocations meet internal errors on every attempt. Through it a shopper checks out two orders; the operator processes,
//! ships and delivers the first; the shopper cancels the second; the sweeper runs past
//! the reservation window.
//!
//! A client sends a request refused with 5xx or 429 again, and one refused because its
//! idempotency key is still held waits out the key's lease first.
//!
//! In every cell each order ends as it would without the fault — the first DELIVERED
//! with its payment captured, the second CANCELLED with its payment released — or, where
//! the saga ran out of retries, compensated: ended with its payment not held and its
//! stock back. Exactly the delivered orders' units have left the stock, both orders'
//! outcomes were published, every event matches its schema and the inventory invariant
//! holds. Faults on first attempts must be absorbed (by the SDK's retries, or the
//! publisher's for a refused entry); the outage column may compensate. The matrix is printed with how many calls each fault
//! hit, how many requests the client sent again, and the orders' ends.

use std::future::Future;
use std::sync::Arc;

use mambogo::application::jobs::sweep_and_admit;
use mambogo::domain::clock::{Clock, ManualClock};
use mambogo::domain::ids::OrderId;
use mambogo_local::demo::{demo_categories, demo_products};
use mambogo_local::{LocalConfig, TestHooks};
use mambogo_tests::aws_faults::{AwsFault, FaultRule, FaultyAws};
use mambogo_tests::aws_shop::aws_stack;
use mambogo_tests::checkout::{
    assert_consistent, available, checkout, deliver_webhook, order, order_id, published,
    saga_finished,
};
use mambogo_tests::matrix::Matrix;
use mambogo_tests::shop::{token, As, Reply, TestShop};
use reqwest::Method;
use serde_json::json;
use time::{Duration, OffsetDateTime};

/// The DynamoDB and EventBridge operations the shop calls on these paths.
const OPERATIONS: [&str; 6] = [
    "TransactWriteItems",
    "UpdateItem",
    "PutItem",
    "GetItem",
    "Query",
    "PutEvents",
];
/// A column of the matrix: a fault met by the first attempt of every other invocation
/// of the operation, or an outage.
struct Column {
    label: &'static str,
    fault: AwsFault,
    outage: bool,
}

const fn every_other(label: &'static str, fault: AwsFault) -> Column {
    Column {
        label,
        fault,
        outage: false,
    }
}

/// The faults a call can meet, each on the first attempt of every other invocation,
/// which the SDK's retries (or the publisher's, for a refused entry) absorb; and an
/// outage, internal errors on every attempt of the next invocations, one fewer than a
/// client's attempts, which the application meets.
const COLUMNS: [Column; 8] = [
    every_other("Throttling", AwsFault::Throttling),
    every_other("ThroughputExceeded", AwsFault::ThroughputExceeded),
    every_other("TransactionConflict", AwsFault::TransactionConflict),
    every_other("InternalError", AwsFault::InternalError),
    every_other("Dropped", AwsFault::Dropped),
    every_other("AppliedThenDropped", AwsFault::AppliedThenDropped),
    every_other("FirstEntryRefused", AwsFault::FirstEntryRefused),
    Column {
        label: "Outage",
        fault: AwsFault::InternalError,
        outage: true,
    },
];
const QUANTITY: u32 = 2;
/// How often a client sends a request the shop refused with 5xx or 429, and how often it
/// waits out a lease.
const CLIENT_ATTEMPTS: usize = 6;
/// How long past an idempotency key's lease a client waits before sending again.
const LEASE_WAIT: Duration = Duration::seconds(61);
/// How long a cell may take before it counts as stuck: far longer than any cell takes.
const STUCK: std::time::Duration = std::time::Duration::from_secs(180);

/// Where a cell ended.
struct Outcome {
    /// The orders' and their payments' statuses.
    ends: [String; 2],
    stock_moved: i64,
    delivered_units: i64,
    hit: usize,
    /// Requests the client had to send again.
    resent: usize,
}

/// A shopper's or operator's requests, sent again while refused with 5xx or 429, or
/// after the lease of an idempotency key still held.
struct Client<'a> {
    shop: &'a TestShop,
    clock: &'a ManualClock,
    resent: usize,
}

impl Client<'_> {
    async fn retrying<F, Fut>(&mut self, what: &str, send: F) -> Result<Reply, String>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Reply>,
    {
        let (mut refused, mut waited) = (0, 0);
        loop {
            let reply = send().await;
            let key_held = reply.status.as_u16() == 409
                && reply.body["detail"]
                    .as_str()
                    .is_some_and(|detail| detail.contains("still in progress"));
            if key_held {
                waited += 1;
                self.clock.advance(LEASE_WAIT);
            } else if reply.status.is_server_error() || reply.status.as_u16() == 429 {
                refused += 1;
            } else {
                return Ok(reply);
            }
            if refused == CLIENT_ATTEMPTS || waited == CLIENT_ATTEMPTS {
                return Err(format!(
                    "{what}: refused {refused} times, waited {waited} times, last {:?}",
                    reply.body
                ));
            }
            self.resent += 1;
        }
    }

    /// Sends until answered, and wants `status`.
    async fn expect<F, Fut>(&mut self, what: &str, status: u16, send: F) -> Result<Reply, String>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Reply>,
    {
        let reply = self.retrying(what, send).await?;
        if reply.status.as_u16() == status {
            Ok(reply)
        } else {
            Err(format!("{what}: {} {:?}", reply.status, reply.body))
        }
    }

    /// Puts `sku` in alice's cart and checks out; the order once its saga has ended.
    async fn buy(&mut self, alice: &str, sku: &str, key: &str) -> Result<OrderId, String> {
        let shop = self.shop;
        let line = json!({"sku": sku, "quantity": QUANTITY});
        self.expect("adding to the cart", 200, || {
            shop.post("/cart/items", As::user(alice), &line)
        })
        .await?;
        let accepted = self
            .expect("checking out", 202, || {
                checkout(shop, alice, key, "tok_approve")
            })
            .await?;
        let id = order_id(&accepted);
        saga_finished(shop, &id).await;
        Ok(id)
    }

    /// The order's status and its payment's, read again while refused.
    async fn status(&mut self, token: &str, id: &OrderId) -> Result<String, String> {
        let shop = self.shop;
        let path = format!("/orders/{id}");
        let seen = self
            .expect("reading the order", 200, || {
                shop.get(&path, As::user(token))
            })
            .await?;
        Ok(format!(
            "{}/{}",
            seen.body["status"].as_str().unwrap_or("?"),
            seen.body["payment"]["status"].as_str().unwrap_or("none")
        ))
    }

    async fn admin_step(&mut self, admin: &str, id: &OrderId, step: &str) -> Result<(), String> {
        let shop = self.shop;
        let path = format!("/admin/orders/{id}/{step}");
        let body = (step == "ship")
            .then(|| json!({"carrier": "UPS", "trackingNumber": "1Z999AA10123456784"}).to_string());
        self.expect(step, 200, || {
            shop.send(Method::POST, &path, As::user(admin), body.as_deref())
        })
        .await
        .map(drop)
    }
}

/// The first product of the demo catalog with its categories, and stock of its first
/// SKU; the SKU.
async fn seed(shop: &TestShop) -> String {
    let services = &shop.inner().services;
    for category in demo_categories() {
        services.catalog.put_category(&category).await.unwrap();
    }
    let product = demo_products().remove(0);
    let sku = product.variants[0].sku.clone();
    services.catalog.create_product(&product).await.unwrap();
    services.inventory.set_on_hand(&sku, 20).await.unwrap();
    sku.to_string()
}

/// Runs one cell: the column's fault on calls of `operation`.
async fn run_cell(operation: &'static str, column: &Column) -> Result<Outcome, String> {
    let proxy = FaultyAws::start().await;
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let hooks = TestHooks {
        clock: Some(Arc::clone(&clock) as Arc<dyn Clock>),
        ..TestHooks::default()
    };
    let mut config = LocalConfig::ephemeral();
    config.seed_demo = false;
    config.aws = Some(aws_stack(proxy.endpoint()).await);
    let shop = TestShop::start_with(config, hooks).await;
    let sku = seed(&shop).await;
    let (alice, admin) = (token("alice", false), token("ops", true));
    let before = available(&shop, &sku).await;

    proxy.arm(if column.outage {
        FaultRule::outage(operation, column.fault, CLIENT_ATTEMPTS - 1)
    } else {
        FaultRule::every_other_invocation(operation, column.fault)
    });
    let mut client = Client {
        shop: &shop,
        clock: &clock,
        resent: 0,
    };
    let delivered = client.buy(&alice, &sku, "first").await?;
    if client
        .status(&alice, &delivered)
        .await?
        .starts_with("CONFIRMED")
    {
        for step in ["process", "ship", "deliver"] {
            client.admin_step(&admin, &delivered, step).await?;
        }
    }
    let cancelled = client.buy(&alice, &sku, "second").await?;
    if client
        .status(&alice, &cancelled)
        .await?
        .starts_with("CONFIRMED")
    {
        let path = format!("/orders/{cancelled}/cancel");
        client
            .expect("cancelling", 200, || {
                shop.send(Method::POST, &path, As::user(&alice), None)
            })
            .await?;
    }
    for (body, signature) in shop.inner().gateway.sent_webhooks() {
        let body = String::from_utf8_lossy(&body).into_owned();
        client
            .retrying("a webhook", || deliver_webhook(&shop, &body, &signature))
            .await?;
    }
    for wait in [Duration::hours(2), Duration::minutes(10)] {
        clock.advance(wait);
        let now = clock.now();
        sweep_and_admit(&shop.inner().sweeper, &shop.inner().sweeper_services, now).await;
    }
    let hit = proxy.disarm().iter().sum();

    let mut delivered_units = 0;
    for id in [&delivered, &cancelled] {
        let seen = order(&shop, &alice, id).await;
        if seen["status"] == "DELIVERED" {
            delivered_units += seen["lines"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|line| line["quantity"].as_i64())
                .sum::<i64>();
        }
        let outcomes: usize = ["OrderConfirmed", "OrderCancelled", "OrderFailed"]
            .iter()
            .map(|detail_type| published(&shop, detail_type, id))
            .sum();
        if outcomes == 0 {
            return Err(format!("the outcome of {id} was never published"));
        }
    }
    let outcome = Outcome {
        ends: [
            client.status(&alice, &delivered).await?,
            client.status(&alice, &cancelled).await?,
        ],
        stock_moved: available(&shop, &sku).await - before,
        delivered_units,
        hit,
        resent: client.resent,
    };
    assert_consistent(&shop).await;
    shop.stop().await;
    check(&outcome, column).map(|()| outcome)
}

impl Outcome {
    fn ends(&self) -> String {
        format!("{} {}", self.ends[0], self.ends[1])
    }
}

/// Whether an order ended compensated: cancelled or failed, its payment not held.
fn compensated(end: &str) -> bool {
    let (status, payment) = end.split_once('/').unwrap_or((end, ""));
    matches!(status, "CANCELLED" | "FAILED") && !matches!(payment, "CAPTURED" | "AUTHORIZED")
}

fn check(outcome: &Outcome, column: &Column) -> Result<(), String> {
    let broken = |why: &str| {
        Err(format!(
            "{why}: {} stock{:+}",
            outcome.ends(),
            outcome.stock_moved
        ))
    };
    if outcome.hit == 0 {
        return broken("the fault never hit a call");
    }
    let [first, second] = &outcome.ends;
    let as_without = first == "DELIVERED/CAPTURED" && compensated(second);
    if !column.outage && !as_without {
        return broken("a fault the SDK absorbs changed how the orders ended");
    }
    if !(first == "DELIVERED/CAPTURED" || compensated(first)) || !compensated(second) {
        return broken("an order ended neither delivered nor compensated");
    }
    if outcome.stock_moved != -outcome.delivered_units {
        return broken("other than the delivered units left the stock");
    }
    Ok(())
}

/// Whether `fault` can meet `operation`. DynamoDB reports a transaction conflict on a
/// single-item request only when a transaction is writing that very item, and the
/// stores write in transactions only items that their single-item writes leave alone
/// or retry on conflict (inventory), so that column covers transactions alone. Exceeded
/// throughput is DynamoDB's; refused entries are PutEvents'.
fn applies(operation: &str, column: &Column) -> bool {
    match column.fault {
        AwsFault::TransactionConflict => operation == "TransactWriteItems",
        AwsFault::ThroughputExceeded => operation != "PutEvents",
        AwsFault::FirstEntryRefused => operation == "PutEvents",
        _ => true,
    }
}

/// The orders' ends in a few letters: D delivered, C cancelled, F failed.
fn short(ends: &[String; 2]) -> String {
    ends.iter()
        .map(|end| end.chars().next().unwrap_or('?'))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_fault_ends_as_without_it_or_compensated() {
    let matrix = Matrix {
        corner: "operation \\ fault",
        rows: OPERATIONS
            .iter()
            .map(|operation| (*operation).to_owned())
            .collect(),
        columns: COLUMNS
            .iter()
            .map(|column| column.label.to_owned())
            .collect(),
        width: 20,
    };
    let broken = matrix
        .run(
            |operation, column| applies(OPERATIONS[operation], &COLUMNS[column]),
            STUCK,
            |operation, column| run_cell(OPERATIONS[operation], &COLUMNS[column]),
            |outcome| {
                format!(
                    "hit {} resent {} {}",
                    outcome.hit,
                    outcome.resent,
                    short(&outcome.ends)
                )
            },
        )
        .await;
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
