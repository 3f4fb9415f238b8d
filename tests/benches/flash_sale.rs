//! The flash sale on the local shop over HTTP: `FLASH_SALE_UNITS` units (10,000) of one
//! SKU, `FLASH_SALE_BUYERS` buyers (50,000), 256 at a time. Each buyer joins the waiting
//! room, polls their ticket until it is ADMITTED or SOLD_OUT, and when admitted fills a
//! cart and checks out with the purchase token and `tok_approve`, then waits for the
//! saga to confirm the order.
//!
//! `cargo bench -p mambogo-tests --bench flash_sale` prints p50/p99 per phase, the time
//! to sell out, and a last line
//! `flash-sale: buyers=… units=… confirmed=… oversold=… lost=… errors_5xx=…
//! sold_out_notices=… decisions_per_s=… seconds=…`, where `lost` counts orders accepted
//! but neither CONFIRMED nor compensated at the end, `oversold` the sale's SKU sold past
//! its stock, and a decision is a ticket admitted or told SOLD_OUT, or a checkout
//! accepted or refused.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mambogo::api::auth::mint_token;
use mambogo::domain::ids::{OrderId, Sku};
use mambogo::domain::orders::OrderStatus;
use mambogo_local::{start, DataLocation, LocalConfig, RunningShop, DEV_JWT_SECRET};
use mambogo_tests::checkout::checkout_body;
use mambogo_tests::contract::inventory::check_invariants;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const SKU: &str = "MB-0002-BLK";
const CONCURRENCY: usize = 256;
/// How long a waiting buyer waits between polls (a browser would wait about a second).
const POLL_EVERY: Duration = Duration::from_millis(100);

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

fn bearer(user: &str, admin: bool) -> String {
    let token = mint_token(
        DEV_JWT_SECRET.as_bytes(),
        user,
        admin,
        OffsetDateTime::now_utc(),
        time::Duration::hours(2),
    )
    .expect("a token");
    format!("Bearer {token}")
}

/// What the buyers saw, phase by phase.
struct Tally {
    join: Histogram<u64>,
    poll: Histogram<u64>,
    accepted: Histogram<u64>,
    confirmed: Histogram<u64>,
    admitted: usize,
    sold_out_notices: usize,
    checkouts_refused: usize,
    errors_5xx: usize,
    other_answers: usize,
    orders: Vec<OrderId>,
    /// When the last order that was accepted was accepted.
    last_accepted: Option<Instant>,
}

impl Tally {
    fn new() -> Self {
        Tally {
            join: histogram(),
            poll: histogram(),
            accepted: histogram(),
            confirmed: histogram(),
            admitted: 0,
            sold_out_notices: 0,
            checkouts_refused: 0,
            errors_5xx: 0,
            other_answers: 0,
            orders: Vec::new(),
            last_accepted: None,
        }
    }

    fn merge(&mut self, other: Tally) {
        for (into, from) in [
            (&mut self.join, &other.join),
            (&mut self.poll, &other.poll),
            (&mut self.accepted, &other.accepted),
            (&mut self.confirmed, &other.confirmed),
        ] {
            into.add(from).expect("compatible histograms");
        }
        self.admitted += other.admitted;
        self.sold_out_notices += other.sold_out_notices;
        self.checkouts_refused += other.checkouts_refused;
        self.errors_5xx += other.errors_5xx;
        self.other_answers += other.other_answers;
        self.orders.extend(other.orders);
        self.last_accepted = self.last_accepted.max(other.last_accepted);
    }
}

fn micros(since: Instant) -> u64 {
    since.elapsed().as_micros().max(1) as u64
}

/// Sends `request`, timing it into `into`; the status and JSON body, or `None` on a 5xx.
async fn timed(
    request: reqwest::RequestBuilder,
    into: &mut Histogram<u64>,
    tally_5xx: &mut usize,
) -> Option<(StatusCode, Value)> {
    let started = Instant::now();
    let response = request.send().await.expect("the shop answers");
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    into.record(micros(started)).expect("in bounds");
    if status.is_server_error() {
        *tally_5xx += 1;
        return None;
    }
    Some((status, body))
}

/// One buyer, from joining to their order confirmed or their SOLD_OUT notice.
async fn buy(shop: &RunningShop, client: &Client, sale: &str, buyer: usize, tally: &mut Tally) {
    let base = shop.url();
    let auth = bearer(&format!("buyer-{buyer}"), false);
    let joined = client
        .post(format!("{base}/flash-sales/{sale}/queue"))
        .header("authorization", &auth);
    let Some((StatusCode::ACCEPTED, ticket)) =
        timed(joined, &mut tally.join, &mut tally.errors_5xx).await
    else {
        tally.other_answers += 1;
        return;
    };
    let ticket = ticket["ticketId"].as_str().expect("a ticket id").to_owned();
    let purchase = loop {
        let polled = client
            .get(format!("{base}/flash-sales/{sale}/queue/{ticket}"))
            .header("authorization", &auth);
        let Some((StatusCode::OK, view)) =
            timed(polled, &mut tally.poll, &mut tally.errors_5xx).await
        else {
            tally.other_answers += 1;
            return;
        };
        match view["status"].as_str() {
            Some("WAITING") => tokio::time::sleep(POLL_EVERY).await,
            Some("ADMITTED") => break view["purchaseToken"].as_str().unwrap_or("").to_owned(),
            Some("SOLD_OUT") => {
                tally.sold_out_notices += 1;
                return;
            }
            _ => {
                tally.other_answers += 1;
                return;
            }
        }
    };
    tally.admitted += 1;
    let added = client
        .post(format!("{base}/cart/items"))
        .header("authorization", &auth)
        .json(&json!({"sku": SKU, "quantity": 1}))
        .send()
        .await
        .expect("the shop answers");
    assert_eq!(added.status(), StatusCode::OK, "the cart takes the unit");
    let started = Instant::now();
    let checkout = client
        .post(format!("{base}/checkout"))
        .header("authorization", &auth)
        .header("idempotency-key", format!("sale-{buyer}"))
        .json(&{
            let mut body = checkout_body("tok_approve");
            body["purchaseToken"] = json!(purchase);
            body
        });
    match timed(checkout, &mut tally.accepted, &mut tally.errors_5xx).await {
        Some((StatusCode::ACCEPTED, placed)) => {
            tally.last_accepted = Some(Instant::now());
            let order = OrderId::parse(placed["orderId"].as_str().expect("an order id"))
                .expect("a valid order id");
            shop.runner
                .wait_until_finished(&order.to_string())
                .await
                .expect("the execution is readable");
            tally.confirmed.record(micros(started)).expect("in bounds");
            tally.orders.push(order);
        }
        Some(_) => tally.checkouts_refused += 1,
        None => {}
    }
}

fn print_phase(label: &str, histogram: &Histogram<u64>) {
    println!(
        "{label:<36} {:>8} {:>10} {:>10} {:>10}",
        histogram.len(),
        histogram.value_at_quantile(0.50),
        histogram.value_at_quantile(0.99),
        histogram.max()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let buyers = setting("FLASH_SALE_BUYERS", 50_000);
    let units = setting("FLASH_SALE_UNITS", 10_000);
    let data = std::env::temp_dir().join(format!("mambogo-bench-sale-{}", std::process::id()));
    let mut config = LocalConfig::ephemeral();
    config.data = DataLocation::File(data.join("shop.db"));
    let shop = Arc::new(start(config).await.expect("the shop starts"));
    let sku = Sku::parse(SKU).expect("a SKU");
    let stock = u32::try_from(units).expect("units fit") + 1_000;
    shop.services
        .inventory
        .set_on_hand(&sku, stock)
        .await
        .expect("stock set");
    let sold_before = stock_sold(&shop, &sku).await;
    let client = Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("a client");

    let now = OffsetDateTime::now_utc();
    let created = client
        .post(format!("{}/admin/flash-sales", shop.url()))
        .header("authorization", bearer("ops", true))
        .json(&json!({
            "sku": SKU,
            "units": units,
            "salePrice": {"amount": 100, "currency": "USD"},
            "startsAt": (now + time::Duration::seconds(1)).format(&Rfc3339).expect("a time"),
            "endsAt": (now + time::Duration::hours(1)).format(&Rfc3339).expect("a time"),
        }))
        .send()
        .await
        .expect("the shop answers");
    assert_eq!(created.status(), StatusCode::CREATED, "the sale is created");
    let sale: Value = created.json().await.expect("JSON");
    let sale = sale["saleId"].as_str().expect("a sale id").to_owned();
    println!(
        "flash sale on the local shop (file-backed SQLite, {} cores): {units} units, {buyers} buyers, {CONCURRENCY} at a time",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let total = Arc::new(Mutex::new(Tally::new()));
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (shop, client, sale) = (Arc::clone(&shop), client.clone(), sale.clone());
            let (next, total) = (Arc::clone(&next), Arc::clone(&total));
            tokio::spawn(async move {
                let mut tally = Tally::new();
                loop {
                    let buyer = next.fetch_add(1, Ordering::SeqCst);
                    if buyer >= buyers {
                        break;
                    }
                    buy(&shop, &client, &sale, buyer, &mut tally).await;
                }
                total.lock().expect("the tally").merge(tally);
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("a buyer task");
    }
    let seconds = started.elapsed().as_secs_f64();
    let tally = Arc::try_unwrap(total)
        .ok()
        .expect("every worker is done")
        .into_inner()
        .expect("the tally");

    let (mut confirmed, mut compensated) = (0, 0);
    for order in &tally.orders {
        let order = shop.services.orders.order(order).await.expect("readable");
        match order.map(|order| order.status) {
            Some(OrderStatus::Confirmed) => confirmed += 1,
            Some(OrderStatus::Cancelled | OrderStatus::Failed) => compensated += 1,
            _ => {}
        }
    }
    let lost = tally.orders.len() - confirmed - compensated;
    let sold = stock_sold(&shop, &sku).await - sold_before;
    let oversold = (sold - units as i64).max(0);
    if let Err(broken) = check_invariants(shop.services.inventory.as_ref()).await {
        println!("the inventory invariant is broken: {broken:?}");
    }
    let decisions =
        tally.admitted + tally.sold_out_notices + tally.orders.len() + tally.checkouts_refused;
    let sell_out = tally
        .last_accepted
        .map_or(f64::NAN, |last| (last - started).as_secs_f64());

    println!(
        "{:<36} {:>8} {:>10} {:>10} {:>10}",
        "phase", "count", "p50 µs", "p99 µs", "max µs"
    );
    print_phase("POST /flash-sales/{id}/queue", &tally.join);
    print_phase("GET  /flash-sales/{id}/queue/{t}", &tally.poll);
    print_phase("POST /checkout → 202", &tally.accepted);
    print_phase("POST /checkout → CONFIRMED", &tally.confirmed);
    println!(
        "sold out {sell_out:.2} s after the first buyer joined; {} admitted, {} checkouts refused, {} other answers",
        tally.admitted, tally.checkouts_refused, tally.other_answers
    );
    println!(
        "flash-sale: buyers={buyers} units={units} confirmed={confirmed} oversold={oversold} lost={lost} errors_5xx={} sold_out_notices={} decisions_per_s={:.0} seconds={seconds:.1}",
        tally.errors_5xx,
        tally.sold_out_notices,
        decisions as f64 / seconds
    );
    if let Ok(shop) = Arc::try_unwrap(shop) {
        shop.stop().await;
    }
    let _ = std::fs::remove_dir_all(data);
}

/// Units of `sku` sold so far.
async fn stock_sold(shop: &RunningShop, sku: &Sku) -> i64 {
    let levels = shop
        .services
        .inventory
        .stock_levels(std::slice::from_ref(sku))
        .await
        .expect("stock readable");
    levels.first().map_or(0, |level| level.sold)
}
