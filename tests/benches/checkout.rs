//! Checkout latency and reservation throughput on the local shop.
//!
//! `cargo bench -p mambogo-tests --bench checkout` prints:
//! - p50/p99 of a checkout from `POST /checkout` until its 202 and until the saga has
//!   CONFIRMED the order
//!   (reserve, authorize through the mock gateway's signed webhook, capture, commit,
//!   publish), at 1 and 50 concurrent shoppers, with a file-backed shop as `cargo run`
//!   runs it; each beside the shop's plain cart write (`POST /cart/items`) as reference;
//! - the inventory storm's reservation decisions per second (200 concurrent one-unit
//!   reservations for 50 units, 20 rounds) on the embedded store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mambogo::adapters::sqlite::{SqliteDb, SqliteInventory};
use mambogo::api::auth::mint_token;
use mambogo::domain::ids::{OrderId, Sku};
use mambogo::domain::inventory::{InventoryStore, StockLine};
use mambogo_local::{start, DataLocation, LocalConfig, RunningShop, DEV_JWT_SECRET};
use mambogo_tests::checkout::checkout_body;
use serde_json::json;
use time::OffsetDateTime;

const SKU: &str = "MB-0002-BLK";
/// Checkouts each shopper makes per row: enough that the 50-shopper row runs for a few
/// seconds, long enough for a steady rate on a noisy machine.
const CHECKOUTS_PER_SHOPPER: [(usize, usize); 2] = [(1, 500), (50, 50)];

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

fn token(user: &str) -> String {
    mint_token(
        DEV_JWT_SECRET.as_bytes(),
        user,
        false,
        OffsetDateTime::now_utc(),
        time::Duration::hours(1),
    )
    .expect("a token")
}

struct Timings {
    add_item: Histogram<u64>,
    accepted: Histogram<u64>,
    checkout: Histogram<u64>,
}

impl Timings {
    fn new() -> Self {
        Timings {
            add_item: histogram(),
            accepted: histogram(),
            checkout: histogram(),
        }
    }
}

async fn shopper(
    shop: Arc<RunningShop>,
    client: reqwest::Client,
    shopper_index: usize,
    checkouts: usize,
) -> Timings {
    let base = shop.url();
    let bearer = format!("Bearer {}", token(&format!("bench-{shopper_index}")));
    let mut timings = Timings::new();
    for round in 0..checkouts {
        let started = Instant::now();
        let added = client
            .post(format!("{base}/cart/items"))
            .header("authorization", &bearer)
            .json(&json!({"sku": SKU, "quantity": 1}))
            .send()
            .await
            .expect("the shop answers");
        assert_eq!(added.status().as_u16(), 200);
        added.bytes().await.expect("a body");
        timings
            .add_item
            .record(started.elapsed().as_micros().max(1) as u64)
            .expect("in bounds");

        let started = Instant::now();
        let accepted = client
            .post(format!("{base}/checkout"))
            .header("authorization", &bearer)
            .header("idempotency-key", format!("bench-{shopper_index}-{round}"))
            .json(&checkout_body("tok_approve"))
            .send()
            .await
            .expect("the shop answers");
        assert_eq!(accepted.status().as_u16(), 202);
        let body: serde_json::Value = accepted.json().await.expect("JSON");
        timings
            .accepted
            .record(started.elapsed().as_micros().max(1) as u64)
            .expect("in bounds");
        let order =
            OrderId::parse(body["orderId"].as_str().expect("an order id")).expect("a valid id");
        let finished = shop
            .runner
            .wait_until_finished(&order.to_string())
            .await
            .expect("the execution is readable");
        assert_eq!(finished.status.as_str(), "SUCCEEDED");
        timings
            .checkout
            .record(started.elapsed().as_micros().max(1) as u64)
            .expect("in bounds");
    }
    timings
}

async fn checkout_latency(
    shop: &Arc<RunningShop>,
    shoppers: usize,
    checkouts: usize,
) -> (Timings, f64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(shoppers)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client");
    let started = Instant::now();
    let tasks: Vec<_> = (0..shoppers)
        .map(|index| {
            tokio::spawn(shopper(
                Arc::clone(shop),
                client.clone(),
                index + shoppers * 1000,
                checkouts,
            ))
        })
        .collect();
    let mut total = Timings::new();
    for task in tasks {
        let timings = task.await.expect("a shopper task");
        total.add_item.add(timings.add_item).expect("compatible");
        total.accepted.add(timings.accepted).expect("compatible");
        total.checkout.add(timings.checkout).expect("compatible");
    }
    let per_second = total.checkout.len() as f64 / started.elapsed().as_secs_f64();
    (total, per_second)
}

async fn storm_decisions_per_second() -> (f64, usize) {
    let inventory = Arc::new(SqliteInventory::new(
        SqliteDb::in_memory().expect("an in-memory store"),
    ));
    let expires = OffsetDateTime::now_utc() + time::Duration::minutes(15);
    let mut decisions = 0;
    let mut reserved = 0;
    let started = Instant::now();
    for round in 0..20 {
        let sku = Sku::parse(&format!("STORM-{round}")).expect("a SKU");
        inventory.set_on_hand(&sku, 50).await.expect("stock set");
        let attempts: Vec<_> = (0..200)
            .map(|_| {
                let (inventory, sku) = (Arc::clone(&inventory), sku.clone());
                tokio::spawn(async move {
                    let order = OrderId::from_uuid(uuid::Uuid::new_v4());
                    let line = StockLine { sku, quantity: 1 };
                    inventory
                        .reserve(&order, &[line], expires, OffsetDateTime::now_utc())
                        .await
                        .is_ok()
                })
            })
            .collect();
        for attempt in attempts {
            decisions += 1;
            reserved += usize::from(attempt.await.expect("a reservation task"));
        }
    }
    (decisions as f64 / started.elapsed().as_secs_f64(), reserved)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let data = std::env::temp_dir().join(format!("mambogo-bench-checkout-{}", std::process::id()));
        let mut config = LocalConfig::ephemeral();
        config.data = DataLocation::File(data.join("shop.db"));
        let shop = Arc::new(start(config).await.expect("the shop starts"));
        shop.services
            .inventory
            .set_on_hand(&Sku::parse(SKU).expect("a SKU"), 1_000_000)
            .await
            .expect("stock set");
        println!(
            "checkout on the local shop (file-backed SQLite, {} cores)",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        println!(
            "{:<44} {:>8} {:>9} {:>9} {:>9} {:>10} {:>9}",
            "measure", "shoppers", "p50 µs", "p99 µs", "max µs", "orders/s", "p50/ref"
        );
        for (shoppers, checkouts) in CHECKOUTS_PER_SHOPPER {
            let (timings, per_second) = checkout_latency(&shop, shoppers, checkouts).await;
            let reference = timings.add_item.value_at_quantile(0.5);
            for (label, histogram, rate) in [
                ("POST /cart/items (reference)", &timings.add_item, String::from("-")),
                ("POST /checkout → 202 Accepted", &timings.accepted, String::from("-")),
                ("POST /checkout → CONFIRMED (through saga)", &timings.checkout, format!("{per_second:.0}")),
            ] {
                println!(
                    "{:<44} {:>8} {:>9} {:>9} {:>9} {:>10} {:>9.1}",
                    label,
                    shoppers,
                    histogram.value_at_quantile(0.50),
                    histogram.value_at_quantile(0.99),
                    histogram.max(),
                    rate,
                    histogram.value_at_quantile(0.50) as f64 / reference as f64,
                );
            }
        }
        let (decisions_per_second, reserved) = storm_decisions_per_second().await;
        println!(
            "inventory storm (SQLite): {decisions_per_second:.0} reservation decisions/s; {reserved} of 4000 reserved (expected 1000)"
        );
        if let Ok(shop) = Arc::try_unwrap(shop) {
            shop.stop().await;
        }
        let _ = std::fs::remove_dir_all(data);
    });
}
