//! Search at scale over a generated catalog: building the index, then `/search`,
//! `/search/suggest` and `/products?q=` over HTTP against the local shop at 1 and 32
//! concurrent clients; then, in this process, the index's build time, size and memory at
//! several catalog sizes, and its snapshot's size and the time to take and restore it.
//!
//! `cargo bench -p mambogo-tests --bench search`. `SEARCH_PRODUCTS` (default 100000) is
//! the catalog the shop serves (0 skips the HTTP part); `SEARCH_SIZES` (default `10000,100000`; `1000000` works
//! too, in minutes and a few GB) the sizes measured in process. Each HTTP figure is also
//! shown as a ratio to a reference measured in the same run: a request the router
//! refuses without touching a store (404), the cost of HTTP and the client alone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mambogo::adapters::search_index::TantivyIndex;
use mambogo::application::indexing::rebuild_index;
use mambogo::domain::catalog::{
    Availability, Category, Listing, Product, ProductDraft, ProductQuery, ProductSort, SearchIndex,
};
use mambogo::domain::ids::{CategoryId, ProductId};
use mambogo::domain::reviews::Rating;
use mambogo_local::demo::demo_categories;
use mambogo_local::{start, LocalConfig};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use serde_json::json;
use time::OffsetDateTime;

const WARMUP_REQUESTS: usize = 200;
const REQUESTS_PER_RUN: usize = 4_000;

const BRANDS: [&str; 24] = [
    "Acorn",
    "Beacon",
    "Cinder",
    "Delta",
    "Echo",
    "Flint",
    "Garnet",
    "Harbor",
    "Aurelia",
    "Brightwater",
    "Cobalt",
    "Driftwood",
    "Ember",
    "Foxglove",
    "Granite",
    "Halcyon",
    "Indigo",
    "Juniper",
    "Kinetic",
    "Larkspur",
    "Meridian",
    "Nimbus",
    "Orchard",
    "Pinnacle",
];

const ADJECTIVES: [&str; 12] = [
    "Classic", "Compact", "Pro", "Everyday", "Studio", "Travel", "Quiet", "Bold", "Ultra",
    "Wireless", "Rugged", "Slim",
];

const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "ren", "sa", "tor", "vel", "qua", "dri", "fen", "gor", "hal", "jun", "ber",
    "cor", "dal", "est", "fio", "lun", "mar", "nor", "pol", "ros", "tam",
];

/// What shoppers type: whole words, typos, prefixes, several words, a brand.
const QUERIES: [&str; 10] = [
    "speaker",
    "hedphones",
    "wireless keyboard",
    "acorn lighting",
    "rugged sh",
    "beacon",
    "compact camping",
    "monitr",
    "cycling",
    "quiet kitchen",
];

/// What shoppers have typed so far.
const PREFIXES: [&str; 8] = [
    "s", "acor", "head", "keyb", "kyeb", "rugged s", "lig", "cyc",
];

/// A word of the descriptions' made-up vocabulary (24² + 24³ words).
fn word(rng: &mut SmallRng) -> String {
    let syllables = rng.random_range(2..=3);
    (0..syllables)
        .map(|_| SYLLABLES[rng.random_range(0..SYLLABLES.len())])
        .collect()
}

/// `count` products, the same on every run.
fn products(count: usize) -> Vec<Product> {
    let mut rng = SmallRng::seed_from_u64(7);
    // The demo catalog's subcategories, each product named after its own.
    let leaves: Vec<Category> = demo_categories()
        .into_iter()
        .filter(|category| category.parent_id.is_some())
        .collect();
    (0..count)
        .map(|n| {
            let leaf = &leaves[rng.random_range(0..leaves.len())];
            let (category, noun) = (leaf.id.as_str(), leaf.name.as_str());
            let brand = BRANDS[rng.random_range(0..BRANDS.len())];
            let adjective = ADJECTIVES[rng.random_range(0..ADJECTIVES.len())];
            let words = rng.random_range(8..16);
            let description: Vec<String> = (0..words).map(|_| word(&mut rng)).collect();
            let draft: ProductDraft = serde_json::from_value(json!({
                "name": format!("{brand} {adjective} {noun} {n}"),
                "brand": brand,
                "categoryId": category,
                "description": description.join(" "),
                "variants": [{"sku": format!("GEN-{n:07}"), "name": "Standard",
                              "price": {"amount": rng.random_range(500..50_000), "currency": "USD"}}],
            }))
            .expect("a valid draft");
            let id = ProductId::parse(&format!("gen_{n:07}")).expect("a valid product id");
            Product::create(id, draft, OffsetDateTime::UNIX_EPOCH)
        })
        .collect()
}

/// Resident memory of this process, in bytes (Linux), 0 where it cannot be read.
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1_024)
}

#[derive(Clone, Copy)]
enum Route {
    NotFound,
    Search,
    Suggest,
    ProductsQ,
    Browse,
}

impl Route {
    fn label(self) -> &'static str {
        match self {
            Route::NotFound => "GET /nope (reference)",
            Route::Search => "GET /search?q=",
            Route::Suggest => "GET /search/suggest?q=",
            Route::ProductsQ => "GET /products?q=",
            Route::Browse => "GET /products (no q)",
        }
    }

    fn path(self, n: usize) -> String {
        let query = QUERIES[n % QUERIES.len()].replace(' ', "%20");
        match self {
            Route::NotFound => "/nope".to_owned(),
            Route::Search => format!("/search?q={query}&limit=20"),
            Route::Suggest => format!(
                "/search/suggest?q={}",
                PREFIXES[n % PREFIXES.len()].replace(' ', "%20")
            ),
            Route::ProductsQ => format!("/products?q={query}&limit=20"),
            Route::Browse => "/products?category=audio&inStock=true&limit=20".to_owned(),
        }
    }
}

async fn client_loop(
    client: reqwest::Client,
    base: Arc<String>,
    route: Route,
    requests: usize,
    offset: usize,
) -> Histogram<u64> {
    let mut histogram =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds");
    for n in 0..requests {
        let started = Instant::now();
        let response = client
            .get(format!("{base}{}", route.path(offset + n)))
            .send()
            .await
            .expect("the shop answers");
        let expected = if matches!(route, Route::NotFound) {
            404
        } else {
            200
        };
        assert_eq!(response.status().as_u16(), expected, "{}", route.label());
        response.bytes().await.expect("the body arrives");
        histogram
            .record(started.elapsed().as_micros().max(1) as u64)
            .expect("latency within histogram bounds");
    }
    histogram
}

/// (p50, p99, max) in µs and requests per second of `route` at `clients` at once.
async fn measure(base: &Arc<String>, route: Route, clients: usize) -> (u64, u64, u64, f64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a client");
    client_loop(client.clone(), Arc::clone(base), route, WARMUP_REQUESTS, 0).await;
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|index| {
            let requests = REQUESTS_PER_RUN / clients;
            tokio::spawn(client_loop(
                client.clone(),
                Arc::clone(base),
                route,
                requests,
                index * 31,
            ))
        })
        .collect();
    let mut total =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds");
    for task in tasks {
        total
            .add(task.await.expect("a client task"))
            .expect("compatible histograms");
    }
    let per_second = total.len() as f64 / started.elapsed().as_secs_f64();
    (
        total.value_at_quantile(0.50),
        total.value_at_quantile(0.99),
        total.max(),
        per_second,
    )
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

async fn over_http(count: usize) {
    let mut config = LocalConfig::ephemeral();
    config.seed_demo = false;
    let shop = start(config).await.expect("the shop starts");
    let services = Arc::clone(&shop.services);
    let seeding = Instant::now();
    for category in demo_categories() {
        services
            .catalog
            .put_category(&category)
            .await
            .expect("a category");
    }
    for (n, product) in products(count).into_iter().enumerate() {
        services
            .catalog
            .create_product(&product)
            .await
            .expect("a product");
        let units = if n % 10 == 0 { 0 } else { 5 };
        services
            .inventory
            .set_on_hand(&product.variants[0].sku, units)
            .await
            .expect("stock");
    }
    println!(
        "seeded {count} products in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let indexing = Instant::now();
    let indexed = rebuild_index(&services).await.expect("the index is built");
    println!(
        "indexed {indexed} products from the stores in {:.1} s (read, list and index)",
        indexing.elapsed().as_secs_f64()
    );

    let base = Arc::new(shop.url());
    println!(
        "local shop at {base}, {REQUESTS_PER_RUN} requests per row, {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<26} {:>7} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "route", "clients", "p50 µs", "p99 µs", "max µs", "req/s", "p50/ref", "p99/ref"
    );
    for clients in [1, 32] {
        let reference = measure(&base, Route::NotFound, clients).await;
        for route in [
            Route::NotFound,
            Route::Search,
            Route::Suggest,
            Route::ProductsQ,
            Route::Browse,
        ] {
            let figures = match route {
                Route::NotFound => reference,
                _ => measure(&base, route, clients).await,
            };
            println!(
                "{:<26} {:>7} {:>9} {:>9} {:>9} {:>9.0} {:>10.1} {:>10.1}",
                route.label(),
                clients,
                figures.0,
                figures.1,
                figures.2,
                figures.3,
                figures.0 as f64 / reference.0 as f64,
                figures.1 as f64 / reference.1 as f64,
            );
        }
    }
    shop.stop().await;
}

/// The index alone at `count` products: build time, size, memory, and one search.
fn in_process(count: usize) {
    let categories = demo_categories();
    let generated = products(count);
    let available: Availability = generated
        .iter()
        .map(|product| (product.variants[0].sku.clone(), 5))
        .collect();
    let before = resident_bytes();
    let listings: Vec<Listing> = generated
        .into_iter()
        .map(|product| {
            Listing::new(
                Arc::new(product),
                &available,
                Rating::default(),
                &categories,
            )
        })
        .collect();
    let index = TantivyIndex::new();
    let started = Instant::now();
    index
        .rebuild(listings, OffsetDateTime::UNIX_EPOCH)
        .expect("the index is built");
    let build = started.elapsed().as_secs_f64();
    let grown = resident_bytes().saturating_sub(before);
    let (_, bytes) = index
        .footprint()
        .expect("the footprint is read")
        .unwrap_or_default();
    let browse = ProductQuery {
        category: Some(CategoryId::parse("audio").expect("a valid category id")),
        in_stock: Some(true),
        ..ProductQuery::default()
    };
    let browsing = (0..5)
        .map(|_| {
            let started = Instant::now();
            index
                .search(&browse, &categories, OffsetDateTime::UNIX_EPOCH)
                .expect("a search");
            started.elapsed().as_micros()
        })
        .min()
        .unwrap_or_default();
    let mut latencies: Vec<u128> = QUERIES
        .iter()
        .map(|text| {
            let query = ProductQuery {
                text: Some((*text).to_owned()),
                sort: ProductSort::Relevance,
                ..ProductQuery::default()
            };
            let started = Instant::now();
            index
                .search(&query, &categories, OffsetDateTime::UNIX_EPOCH)
                .expect("a search");
            started.elapsed().as_micros()
        })
        .collect();
    latencies.sort_unstable();
    let started = Instant::now();
    let snapshot = index.snapshot().expect("a snapshot is taken");
    let taken = started.elapsed().as_secs_f64();
    drop(index);
    let restored = TantivyIndex::new();
    let started = Instant::now();
    restored
        .restore(&snapshot)
        .expect("the snapshot is restored");
    let restore = started.elapsed().as_secs_f64();
    println!(
        "{:>9} {:>9.1} {:>12.1} {:>14.0} {:>13} {:>13} {:>12} {:>14.1} {:>8.2} {:>11.2}",
        count,
        build,
        bytes as f64 / 1_048_576.0,
        grown as f64 / 1_048_576.0,
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
        browsing,
        snapshot.len() as f64 / 1_048_576.0,
        taken,
        restore,
    );
}

fn main() {
    let count: usize = env_or("SEARCH_PRODUCTS", "100000")
        .parse()
        .expect("SEARCH_PRODUCTS is a whole number");
    let sizes: Vec<usize> = env_or("SEARCH_SIZES", "10000,100000")
        .split(',')
        .map(|size| size.trim().parse().expect("SEARCH_SIZES are whole numbers"))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    if count > 0 {
        runtime.block_on(over_http(count));
        println!();
    }
    println!("the index alone, in this process (listings built beforehand, not timed):");
    println!(
        "{:>9} {:>9} {:>12} {:>14} {:>13} {:>13} {:>12} {:>14} {:>8} {:>11}",
        "products",
        "build s",
        "index MiB",
        "memory +MiB",
        "search p50 µs",
        "search max µs",
        "browse µs",
        "snapshot MiB",
        "take s",
        "restore s"
    );
    for size in sizes {
        in_process(size);
    }
}
