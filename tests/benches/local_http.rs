//! Latency of the local shop's hottest routes at 1 and 32 concurrent clients.
//!
//! `cargo bench -p mambogo-tests --bench local_http`. The shop runs in this process on a
//! loopback port with a SQLite file, as `cargo run` does. Each figure is also shown as a
//! ratio to a reference measured in the same run: a request that the router refuses
//! without touching a store (404), which is the cost of HTTP and the client alone.
//!
//! The load loop is a few lines over reqwest and hdrhistogram rather than an external
//! load generator, so the benchmark runs wherever `cargo` does with nothing to install.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mambogo_local::{start, DataLocation, LocalConfig};
use serde_json::json;

const WARMUP_REQUESTS: usize = 200;
const REQUESTS_PER_RUN: usize = 4_000;

#[derive(Clone, Copy)]
enum Route {
    NotFound,
    ListProducts,
    AddCartItem,
}

impl Route {
    fn label(self) -> &'static str {
        match self {
            Route::NotFound => "GET /nope (reference)",
            Route::ListProducts => "GET /products",
            Route::AddCartItem => "POST /cart/items",
        }
    }
}

#[derive(Clone, Copy)]
struct Figures {
    p50: u64,
    p99: u64,
    max: u64,
    per_second: f64,
}

async fn client_loop(
    client: reqwest::Client,
    base: Arc<String>,
    route: Route,
    requests: usize,
    client_index: usize,
) -> Histogram<u64> {
    let mut histogram =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds");
    let mut cart_id: Option<String> = None;
    for request_index in 0..requests {
        let started = Instant::now();
        let response = match route {
            Route::NotFound => client.get(format!("{base}/nope")).send().await,
            Route::ListProducts => {
                let page = [
                    "?limit=20",
                    "?sort=price&limit=50",
                    "?q=speaker",
                    "?category=audio&inStock=true",
                ];
                client
                    .get(format!(
                        "{base}/products{}",
                        page[request_index % page.len()]
                    ))
                    .send()
                    .await
            }
            Route::AddCartItem => {
                // Cycle over 100 SKUs so a cart stays within its line and quantity limits.
                let sku = format!("MB-{:04}-BLK", 1 + (client_index * 7 + request_index) % 100);
                let mut request = client
                    .post(format!("{base}/cart/items"))
                    .json(&json!({"sku": sku, "quantity": 1}));
                if let Some(id) = &cart_id {
                    request = request.header("x-cart-id", id);
                }
                request.send().await
            }
        };
        let response = response.expect("the shop answers");
        let expected = match route {
            Route::NotFound => 404,
            _ => 200,
        };
        assert_eq!(response.status().as_u16(), expected, "{}", route.label());
        if cart_id.is_none() {
            cart_id = response
                .headers()
                .get("x-cart-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
        }
        response.bytes().await.expect("the body arrives");
        histogram
            .record(started.elapsed().as_micros().max(1) as u64)
            .expect("latency within histogram bounds");
    }
    histogram
}

async fn measure(base: &Arc<String>, route: Route, clients: usize) -> Figures {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    for warmup in 0..clients {
        client_loop(
            client.clone(),
            Arc::clone(base),
            route,
            WARMUP_REQUESTS / clients,
            1000 + warmup,
        )
        .await;
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|index| {
            tokio::spawn(client_loop(
                client.clone(),
                Arc::clone(base),
                route,
                REQUESTS_PER_RUN / clients,
                index,
            ))
        })
        .collect();
    let mut total =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds");
    for task in tasks {
        total
            .add(task.await.expect("client task"))
            .expect("compatible histograms");
    }
    let elapsed = started.elapsed().as_secs_f64();
    Figures {
        p50: total.value_at_quantile(0.50),
        p99: total.value_at_quantile(0.99),
        max: total.max(),
        per_second: total.len() as f64 / elapsed,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let data = std::env::temp_dir().join(format!("mambogo-bench-http-{}", std::process::id()));
        let mut config = LocalConfig::ephemeral();
        config.data = DataLocation::File(data.join("shop.db"));
        let shop = start(config).await.expect("the shop starts");
        let base = Arc::new(shop.url());
        println!(
            "local shop at {base}, {REQUESTS_PER_RUN} requests per row, {} cores",
            std::thread::available_parallelism().map_or(1, |n| n.get())
        );
        println!(
            "{:<24} {:>7} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
            "route", "clients", "p50 µs", "p99 µs", "max µs", "req/s", "p50/ref", "p99/ref"
        );
        for clients in [1, 32] {
            let reference = measure(&base, Route::NotFound, clients).await;
            for route in [Route::NotFound, Route::ListProducts, Route::AddCartItem] {
                let figures = match route {
                    Route::NotFound => reference,
                    Route::ListProducts | Route::AddCartItem => {
                        measure(&base, route, clients).await
                    }
                };
                println!(
                    "{:<24} {:>7} {:>9} {:>9} {:>9} {:>9.0} {:>10.1} {:>10.1}",
                    route.label(),
                    clients,
                    figures.p50,
                    figures.p99,
                    figures.max,
                    figures.per_second,
                    figures.p50 as f64 / reference.p50 as f64,
                    figures.p99 as f64 / reference.p99 as f64,
                );
            }
        }
        shop.stop().await;
        // The shop's file, the runner's executions beside it, and their logs.
        let _ = std::fs::remove_dir_all(data);
    });
}
