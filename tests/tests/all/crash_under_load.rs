//! Crash under load: 200 shoppers check out at once against a file-backed shop in a
//! process of its own, which is killed (SIGKILL) in the middle of the storm and started
//! again on the same data. Every checkout the shop accepted (202) must end CONFIRMED or
//! compensated (CANCELLED or FAILED); then, once the sweeper has run past the
//! reservation window, no unit is oversold or leaked, the inventory invariant holds, and
//! no payment is captured without a CONFIRMED order. The counts are printed.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use mambogo::application::jobs::sweep_and_admit;
use mambogo::application::Services;
use mambogo::domain::clock::{Clock, ManualClock};
use mambogo::domain::orders::{Order, OrderStatus};
use mambogo::domain::payments::PaymentStatus;
use mambogo::domain::store::PageRequest;
use mambogo_local::{DataLocation, LocalConfig, TestHooks};
use mambogo_tests::checkout::{assert_consistent, available, checkout_body};
use mambogo_tests::shop::{token, TestShop};
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

const SHOPPERS: usize = 200;
const SKU: &str = "MB-0011-BLK";
/// Fewer units than shoppers: some checkouts are refused for stock.
const UNITS: i64 = 150;
/// How many accepted checkouts the shop makes before it is killed.
const KILL_AFTER: usize = 60;
/// How long to wait for the shop, a checkout or an order before calling it stuck.
const STUCK: Duration = Duration::from_secs(60);

/// Starts the crash shop on `data`; answers the process and its base URL.
async fn start_shop(data: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crash-shop"))
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the crash shop starts");
    let stdout = child.stdout.take().expect("its output is piped");
    let mut lines = BufReader::new(stdout).lines();
    let address = tokio::time::timeout(STUCK, lines.next_line())
        .await
        .expect("the shop prints its address")
        .unwrap()
        .expect("a first line");
    (child, format!("http://{address}"))
}

/// One shopper: a line in the cart, then a checkout. The order id when the shop accepted
/// it (202), else `None` (refused for stock, or no answer: the shop was killed).
async fn shop_once(
    client: reqwest::Client,
    url: String,
    shopper: usize,
) -> Option<(String, String)> {
    let user = format!("storm-{shopper}");
    let bearer = format!("Bearer {}", token(&user, false));
    let added = client
        .post(format!("{url}/cart/items"))
        .header("authorization", &bearer)
        .json(&json!({"sku": SKU, "quantity": 1}))
        .send()
        .await
        .ok()?;
    if !added.status().is_success() {
        return None;
    }
    let payment = if shopper % 5 == 0 {
        "tok_decline"
    } else {
        "tok_approve"
    };
    let placed = client
        .post(format!("{url}/checkout"))
        .header("authorization", &bearer)
        .header("idempotency-key", format!("storm-{shopper}"))
        .json(&checkout_body(payment))
        .send()
        .await
        .ok()?;
    if placed.status().as_u16() != 202 {
        return None;
    }
    let body: Value = placed.json().await.ok()?;
    Some((user, body["orderId"].as_str()?.to_owned()))
}

/// Waits until `order` of `user` has ended; answers its status.
async fn ended(client: &reqwest::Client, url: &str, user: &str, order: &str) -> String {
    let bearer = format!("Bearer {}", token(user, false));
    let deadline = tokio::time::Instant::now() + STUCK;
    loop {
        let seen: Value = client
            .get(format!("{url}/orders/{order}"))
            .header("authorization", &bearer)
            .send()
            .await
            .expect("the restarted shop answers")
            .json()
            .await
            .expect("an order");
        let status = seen["status"].as_str().unwrap_or("?").to_owned();
        if status != "PENDING" {
            return status;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "order {order} is still PENDING after the restart"
        );
        tokio::task::yield_now().await;
    }
}

/// Every order in `status`.
async fn orders_in(services: &Services, status: OrderStatus) -> Vec<Order> {
    let mut orders = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let read = services
            .orders
            .orders_with_status(status, &page)
            .await
            .unwrap();
        orders.extend(read.items);
        match read.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return orders,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_killed_mid_storm_loses_no_order_and_no_unit() {
    let folder = std::env::temp_dir().join(format!("mambogo-storm-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&folder).unwrap();
    let data = folder.join("shop.db");
    let client = reqwest::Client::new();

    let (mut first, url) = start_shop(&data).await;
    let admin = format!("Bearer {}", token("ops", true));
    let stocked = client
        .put(format!("{url}/admin/inventory/{SKU}"))
        .header("authorization", &admin)
        .json(&json!({"onHand": UNITS}))
        .send()
        .await
        .unwrap();
    assert!(stocked.status().is_success());

    let (accepted_tx, mut accepted_rx) = mpsc::unbounded_channel();
    let storm = join_all((0..SHOPPERS).map(|shopper| {
        let (client, url, accepted_tx) = (client.clone(), url.clone(), accepted_tx.clone());
        tokio::spawn(async move {
            if let Some(order) = shop_once(client, url, shopper).await {
                let _ = accepted_tx.send(order);
            }
        })
    }));
    drop(accepted_tx);
    let storm = tokio::spawn(storm);
    let mut accepted = Vec::new();
    while accepted.len() < KILL_AFTER {
        let order = tokio::time::timeout(STUCK, accepted_rx.recv())
            .await
            .expect("checkouts are accepted")
            .expect("the storm is not over yet");
        accepted.push(order);
    }
    first.start_kill().unwrap();
    first.wait().await.unwrap();
    storm.await.unwrap();
    while let Ok(order) = accepted_rx.try_recv() {
        accepted.push(order);
    }

    let (mut second, url) = start_shop(&data).await;
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for (user, order) in &accepted {
        let status = ended(&client, &url, user, order).await;
        assert!(
            matches!(status.as_str(), "CONFIRMED" | "CANCELLED" | "FAILED"),
            "order {order} ended {status}"
        );
        *outcomes.entry(status).or_default() += 1;
    }
    second.start_kill().unwrap();
    second.wait().await.unwrap();

    // The same data in this process, an hour on: the sweeper finishes what the killed
    // requests left (orders written but never answered, their reservations).
    let clock = Arc::new(ManualClock::new(
        OffsetDateTime::now_utc() + time::Duration::hours(1),
    ));
    let config = LocalConfig {
        data: DataLocation::File(data.clone()),
        ..LocalConfig::ephemeral()
    };
    let hooks = TestHooks {
        clock: Some(clock.clone() as Arc<dyn Clock>),
        ..TestHooks::default()
    };
    let shop = TestShop::start_with(config, hooks).await;
    let services = &shop.inner().services;
    // Checkouts the kills cut short before they were answered resume here; they finish
    // before the sweeper looks.
    let runner = &shop.inner().runner;
    for order in orders_in(services, OrderStatus::Pending).await {
        let name = order.id.to_string();
        if runner.execution(&name).await.unwrap().is_some() {
            tokio::time::timeout(STUCK, runner.wait_until_finished(&name))
                .await
                .expect("a resumed checkout finishes")
                .unwrap();
        }
    }
    for wait in [time::Duration::ZERO, time::Duration::minutes(10)] {
        clock.advance(wait);
        let now = clock.now();
        sweep_and_admit(&shop.inner().sweeper, &shop.inner().sweeper_services, now).await;
    }
    let mut confirmed_units = 0;
    for status in [
        OrderStatus::Pending,
        OrderStatus::Confirmed,
        OrderStatus::Cancelled,
        OrderStatus::Failed,
    ] {
        for order in &orders_in(services, status).await {
            assert_ne!(
                status,
                OrderStatus::Pending,
                "order {} is still PENDING",
                order.id
            );
            let payment = services.payments.payment(&order.id).await.unwrap();
            let captured = payment.is_some_and(|p| p.status == PaymentStatus::Captured);
            assert_eq!(
                captured,
                status == OrderStatus::Confirmed,
                "order {} is {status} with its payment {}captured",
                order.id,
                if captured { "" } else { "not " }
            );
            if status == OrderStatus::Confirmed {
                confirmed_units += 1;
            }
        }
    }
    let left = available(&shop, SKU).await;
    assert!(
        confirmed_units <= UNITS,
        "oversold: {confirmed_units} of {UNITS}"
    );
    assert_eq!(left, UNITS - confirmed_units, "units leaked");
    assert_consistent(&shop).await;
    let count = |status: &str| outcomes.get(status).copied().unwrap_or(0);
    println!(
        "crash-under-load: shoppers={SHOPPERS} accepted={} confirmed={} compensated={} lost=0 \
         killed_after={KILL_AFTER} units={UNITS} sold={confirmed_units} left={left}",
        accepted.len(),
        count("CONFIRMED"),
        count("CANCELLED") + count("FAILED"),
    );
    shop.stop().await;
    let _ = std::fs::remove_dir_all(folder);
}
