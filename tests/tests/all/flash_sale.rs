//! A flash sale over HTTP, on the shop's hand-moved clock: units set aside at creation,
//! buyers admitted while units are left to promise and told SOLD_OUT the moment none are,
//! tokens that run out giving their units to the next in line, checkouts at the sale
//! price within the buyer's limit, refused tokens changing nothing, and the units left
//! going back to stock when the sale ends. The inventory invariant holds after each.

use std::sync::Arc;

use mambogo::application::flash_sales;
use mambogo::application::rate_limits::{Limit, RateLimitSettings};
use mambogo::domain::clock::{Clock, ManualClock};
use mambogo::domain::flash_sale::TicketStatus;
use mambogo::domain::ids::{SaleId, Sku, UserId};
use mambogo::domain::operations::{Delivery, Notification, OPERATORS};
use mambogo::domain::store::PageRequest;
use mambogo_local::{LocalConfig, TestHooks, WorkflowWrapper, DEV_OPERATORS_EMAIL};
use mambogo_tests::checkout::{
    assert_consistent, available, checkout_body, checkout_with, fill_cart, order, saga_finished,
};
use mambogo_tests::metrics::samples;
use mambogo_tests::shop::{token, As, Reply, TestShop};
use mambogo_tests::throttling::Throttle;
use reqwest::StatusCode;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use mambogo::domain::ids::OrderId;

const SKU: &str = "MB-0002-BLK";
const STOCK: u32 = 20;

/// A shop on a hand-moved clock, with [`STOCK`] units of [`SKU`], keeping its data in
/// files as `cargo run` does.
struct Sale {
    shop: TestShop,
    clock: Arc<ManualClock>,
    admin: String,
}

impl Sale {
    async fn shop() -> Sale {
        Sale::limited(RateLimitSettings {
            per_buyer: None,
            per_client: None,
        })
        .await
    }

    /// The shop with `limits` on its sale and checkout routes.
    async fn limited(limits: RateLimitSettings) -> Sale {
        Sale::start(limits, None).await
    }

    /// The shop whose Step Functions throttles saga starts as `throttle` says.
    async fn throttled(throttle: &Throttle) -> Sale {
        let limits = RateLimitSettings {
            per_buyer: None,
            per_client: None,
        };
        Sale::start(limits, Some(throttle.wrapper())).await
    }

    async fn start(limits: RateLimitSettings, workflow: Option<WorkflowWrapper>) -> Sale {
        let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
        let hooks = TestHooks {
            clock: Some(clock.clone() as Arc<dyn Clock>),
            workflow,
            ..TestHooks::default()
        };
        let config = LocalConfig {
            rate_limits: limits,
            ..LocalConfig::ephemeral()
        };
        let shop = TestShop::on_file(config, hooks).await;
        let admin = token("ops", true);
        let stocked = shop
            .put(
                &format!("/admin/inventory/{SKU}"),
                As::user(&admin),
                &json!({"onHand": STOCK}),
            )
            .await;
        assert_eq!(stocked.status, StatusCode::OK, "{:?}", stocked.body);
        Sale { shop, clock, admin }
    }

    /// The SKU's regular price in cents.
    async fn regular_price(&self) -> i64 {
        let sku = Sku::parse(SKU).unwrap();
        let product = self
            .shop
            .inner()
            .services
            .catalog
            .product_by_sku(&sku)
            .await;
        product
            .unwrap()
            .unwrap()
            .variant(&sku)
            .unwrap()
            .price
            .amount
    }

    /// `POST /admin/flash-sales` of `units` at half price, starting in a minute and
    /// ending in an hour, with `extra` terms.
    async fn create(&self, units: u32, extra: Value) -> Reply {
        let now = self.clock.now();
        let mut body = json!({
            "sku": SKU,
            "units": units,
            "salePrice": {"amount": self.regular_price().await / 2, "currency": "USD"},
            "startsAt": (now + Duration::minutes(1)).format(&Rfc3339).unwrap(),
            "endsAt": (now + Duration::hours(1)).format(&Rfc3339).unwrap(),
        });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        self.shop
            .post("/admin/flash-sales", As::user(&self.admin), &body)
            .await
    }

    /// A sale of `units` created, its id.
    async fn created(&self, units: u32, extra: Value) -> String {
        let created = self.create(units, extra).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        created.body["saleId"].as_str().unwrap().to_owned()
    }

    /// The clock moved to the sale's start.
    fn open(&self) {
        self.clock.advance(Duration::minutes(1));
    }

    async fn join(&self, buyer: &str, sale: &str) -> String {
        let joined = self
            .shop
            .post(
                &format!("/flash-sales/{sale}/queue"),
                As::user(buyer),
                &json!({}),
            )
            .await;
        assert_eq!(joined.status, StatusCode::ACCEPTED, "{:?}", joined.body);
        joined.body["ticketId"].as_str().unwrap().to_owned()
    }

    async fn poll(&self, buyer: &str, sale: &str, ticket: &str) -> Value {
        let path = format!("/flash-sales/{sale}/queue/{ticket}");
        let polled = self.shop.get(&path, As::user(buyer)).await;
        assert_eq!(polled.status, StatusCode::OK, "{:?}", polled.body);
        polled.body
    }

    async fn admin_view(&self, sale: &str) -> Value {
        let path = format!("/admin/flash-sales/{sale}");
        let view = self.shop.get(&path, As::user(&self.admin)).await;
        assert_eq!(view.status, StatusCode::OK, "{:?}", view.body);
        view.body
    }

    /// `POST /checkout` with a purchase token.
    async fn buy(&self, buyer: &str, key: &str, purchase: &str, payment: &str) -> Reply {
        let mut body = checkout_body(payment);
        body["purchaseToken"] = json!(purchase);
        checkout_with(&self.shop, buyer, key, &body).await
    }

    async fn available(&self) -> i64 {
        available(&self.shop, SKU).await
    }
}

/// Buyers `alice`, `bob`, … as (token, ticket) in `sale`, joined before it starts.
async fn buyers(sale: &Sale, id: &str, count: usize) -> Vec<(String, String)> {
    let mut joined = Vec::new();
    for n in 0..count {
        let buyer = token(&format!("buyer{n}"), false);
        let ticket = sale.join(&buyer, id).await;
        joined.push((buyer, ticket));
    }
    joined
}

fn order_of(reply: &Reply) -> OrderId {
    OrderId::parse(reply.body["orderId"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn buyers_are_admitted_while_units_last_and_the_rest_are_told_sold_out_at_once() {
    let sale = Sale::shop().await;
    let id = sale.created(2, json!({"shards": 2})).await;
    assert_eq!(sale.available().await, i64::from(STOCK) - 2);
    let joined = buyers(&sale, &id, 5).await;
    let again = sale.join(&joined[0].0, &id).await;
    assert_eq!(again, joined[0].1, "a second join answers the same ticket");
    let early = sale.poll(&joined[0].0, &id, &joined[0].1).await;
    assert_eq!(early["status"], "WAITING", "{early}");
    assert!(early["estimatedWaitSeconds"].as_u64().unwrap() >= 59);

    sale.open();
    let mut admitted = Vec::new();
    let mut sold_out = 0;
    for (buyer, ticket) in &joined {
        let polled = sale.poll(buyer, &id, ticket).await;
        match polled["status"].as_str().unwrap() {
            "ADMITTED" => admitted.push((buyer.clone(), polled)),
            "SOLD_OUT" => sold_out += 1,
            other => panic!("{other}: {polled}"),
        }
    }
    assert_eq!((admitted.len(), sold_out), (2, 3));
    let public = sale
        .shop
        .get(&format!("/flash-sales/{id}"), As::default())
        .await;
    assert_eq!(public.body["status"], "SOLD_OUT", "{:?}", public.body);
    assert_eq!(public.body["unitsLeft"], 0);

    let sale_price = sale.regular_price().await / 2;
    for (n, (buyer, ticket)) in admitted.iter().enumerate() {
        fill_cart(&sale.shop, buyer, &[(SKU, 1)]).await;
        let purchase = ticket["purchaseToken"].as_str().unwrap();
        let placed = sale
            .buy(buyer, &format!("k{n}"), purchase, "tok_approve")
            .await;
        assert_eq!(placed.status, StatusCode::ACCEPTED, "{:?}", placed.body);
        assert_eq!(placed.body["lines"][0]["unitPrice"]["amount"], sale_price);
        let order_id = order_of(&placed);
        saga_finished(&sale.shop, &order_id).await;
        assert_eq!(
            order(&sale.shop, buyer, &order_id).await["status"],
            "CONFIRMED"
        );
    }
    let view = sale.admin_view(&id).await;
    assert_eq!(
        (
            &view["sold"],
            &view["unitsLeft"],
            &view["tokensOut"],
            &view["queueLength"]
        ),
        (&json!(2), &json!(0), &json!(2), &json!(3)),
        "{view}"
    );
    assert_eq!(sale.available().await, i64::from(STOCK) - 2);
    assert_consistent(&sale.shop).await;
}

/// One unit with a 60-second token for two buyers, who both poll once it opens: the one
/// admitted (the holder) and the one told SOLD_OUT (the waiter).
struct OneUnitForTwo {
    id: String,
    joined: Vec<(String, String)>,
    holder: usize,
    waiter: usize,
    /// What the holder's poll answered, with its purchase token.
    admitted: Value,
}

async fn one_unit_for_two(sale: &Sale) -> OneUnitForTwo {
    let id = sale.created(1, json!({"tokenTtlSeconds": 60})).await;
    let joined = buyers(sale, &id, 2).await;
    sale.open();
    let first = sale.poll(&joined[0].0, &id, &joined[0].1).await;
    let second = sale.poll(&joined[1].0, &id, &joined[1].1).await;
    let statuses = [first["status"].clone(), second["status"].clone()];
    let (holder, waiter) = match statuses {
        [ref a, ref b] if a == "ADMITTED" && b == "SOLD_OUT" => (0, 1),
        [ref a, ref b] if a == "SOLD_OUT" && b == "ADMITTED" => (1, 0),
        _ => panic!("{first} {second}"),
    };
    OneUnitForTwo {
        id,
        joined,
        holder,
        waiter,
        admitted: if holder == 0 { first } else { second },
    }
}

#[tokio::test]
async fn a_token_that_runs_out_gives_its_unit_to_the_next_in_line() {
    let sale = Sale::shop().await;
    let OneUnitForTwo {
        id,
        joined,
        holder,
        waiter,
        admitted: lapsed,
    } = one_unit_for_two(&sale).await;

    sale.clock.advance(Duration::seconds(60));
    let next = sale.poll(&joined[waiter].0, &id, &joined[waiter].1).await;
    assert_eq!(next["status"], "ADMITTED", "{next}");
    let expired = sale.poll(&joined[holder].0, &id, &joined[holder].1).await;
    assert_eq!(expired["status"], "EXPIRED", "{expired}");

    fill_cart(&sale.shop, &joined[holder].0, &[(SKU, 1)]).await;
    let before = sale.available().await;
    let purchase = lapsed["purchaseToken"].as_str().unwrap();
    let refused = sale
        .buy(&joined[holder].0, "late", purchase, "tok_approve")
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
    assert_eq!(
        sale.available().await,
        before,
        "a refused token changes nothing"
    );
    assert_consistent(&sale.shop).await;
}

#[tokio::test]
async fn a_token_that_runs_out_with_nobody_polling_is_passed_on_by_the_sweeper() {
    let sale = Sale::shop().await;
    let two = one_unit_for_two(&sale).await;
    let (id, waiter) = (&two.id, two.waiter);

    // Nobody polls again: the waiter was told SOLD_OUT, the holder never checks out.
    sale.clock.advance(Duration::seconds(60));
    let inner = sale.shop.inner();
    let rounds = flash_sales::admit_in_open_sales(&inner.sweeper_services).await;
    assert_eq!(rounds.unwrap(), 1, "one open sale, one round");
    let sale_id = SaleId::parse(id).unwrap();
    let status_of = |buyer: usize| {
        let buyer = UserId::parse(&format!("buyer{buyer}")).unwrap();
        async move {
            let ticket = inner.services.flash_sales.ticket(&sale_id, &buyer).await;
            ticket.unwrap().unwrap().status
        }
    };
    assert_eq!(status_of(two.holder).await, TicketStatus::Expired);
    assert_eq!(status_of(waiter).await, TicketStatus::Admitted);
    let (buyer, ticket) = &two.joined[waiter];
    let next = sale.poll(buyer, id, ticket).await;
    assert_eq!(next["status"], "ADMITTED", "{next}");
    assert!(next["purchaseToken"].is_string(), "{next}");

    // Its one unit promised again, the sale is sold out: the operators are told, and
    // mailed, once however many rounds find it so.
    let rounds = flash_sales::admit_in_open_sales(&inner.sweeper_services).await;
    assert_eq!(rounds.unwrap(), 1);
    sale.shop.consumers_done().await;
    let notices: Vec<Notification> = inner
        .services
        .notifications
        .notifications_for(OPERATORS, &PageRequest::first(10))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|notice| notice.kind == "FlashSaleSoldOut")
        .collect();
    assert_eq!(notices.len(), 1, "{notices:#?}");
    assert!(
        notices[0].body.contains(id.as_str()),
        "{:?}",
        notices[0].body
    );
    assert!(
        matches!(&notices[0].delivery, Some(Delivery::Sent { to, .. }) if to.as_str() == DEV_OPERATORS_EMAIL),
        "{notices:#?}"
    );

    sale.clock.advance(Duration::hours(2));
    let rounds = flash_sales::admit_in_open_sales(&inner.sweeper_services).await;
    assert_eq!(rounds.unwrap(), 0, "an ended sale has no rounds");
    assert_consistent(&sale.shop).await;
}

#[tokio::test]
async fn forged_foreign_and_reused_tokens_are_refused_and_change_nothing() {
    let sale = Sale::shop().await;
    let id = sale.created(3, json!({"shards": 1})).await;
    let joined = buyers(&sale, &id, 2).await;
    sale.open();
    let (alice, alice_ticket) = &joined[0];
    let (bob, _) = &joined[1];
    let admitted = sale.poll(alice, &id, alice_ticket).await;
    assert_eq!(admitted["status"], "ADMITTED", "{admitted}");
    let purchase = admitted["purchaseToken"].as_str().unwrap().to_owned();
    fill_cart(&sale.shop, alice, &[(SKU, 1)]).await;
    fill_cart(&sale.shop, bob, &[(SKU, 1)]).await;
    let before = sale.available().await;

    let foreign = sale.buy(bob, "b1", &purchase, "tok_approve").await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN, "{:?}", foreign.body);
    let mut forged = purchase.clone();
    forged.pop();
    let forged = sale.buy(alice, "a0", &forged, "tok_approve").await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{:?}", forged.body);

    let bought = sale.buy(alice, "a1", &purchase, "tok_approve").await;
    assert_eq!(bought.status, StatusCode::ACCEPTED, "{:?}", bought.body);
    saga_finished(&sale.shop, &order_of(&bought)).await;
    fill_cart(&sale.shop, alice, &[(SKU, 1)]).await;
    let reused = sale.buy(alice, "a2", &purchase, "tok_approve").await;
    assert_eq!(reused.status, StatusCode::CONFLICT, "{:?}", reused.body);
    assert_eq!(
        sale.available().await,
        before,
        "the sale's units come from its holds, never from stock"
    );
    let view = sale.admin_view(&id).await;
    assert_eq!(
        (&view["sold"], &view["unitsLeft"]),
        (&json!(1), &json!(1)),
        "{view}"
    );
    assert_consistent(&sale.shop).await;
}

#[tokio::test]
async fn twenty_concurrent_checkouts_of_one_buyer_get_at_most_the_limit() {
    let sale = Sale::shop().await;
    let id = sale
        .created(5, json!({"perCustomerLimit": 2, "shards": 1}))
        .await;
    let joined = buyers(&sale, &id, 1).await;
    sale.open();
    let (alice, ticket) = &joined[0];
    let admitted = sale.poll(alice, &id, ticket).await;
    assert_eq!(
        (&admitted["status"], &admitted["units"]),
        (&json!("ADMITTED"), &json!(2))
    );
    let purchase = admitted["purchaseToken"].as_str().unwrap();
    fill_cart(&sale.shop, alice, &[(SKU, 1)]).await;

    let keys: Vec<String> = (0..20).map(|n| format!("c{n}")).collect();
    let attempts = keys
        .iter()
        .map(|key| sale.buy(alice, key, purchase, "tok_approve"));
    let replies = futures::future::join_all(attempts).await;
    let accepted: Vec<&Reply> = replies
        .iter()
        .filter(|reply| reply.status == StatusCode::ACCEPTED)
        .collect();
    assert!(
        replies
            .iter()
            .all(|reply| [StatusCode::ACCEPTED, StatusCode::CONFLICT].contains(&reply.status)),
        "{:?}",
        replies.iter().map(|reply| reply.status).collect::<Vec<_>>()
    );
    assert!((1..=2).contains(&accepted.len()), "{}", accepted.len());
    for reply in &accepted {
        saga_finished(&sale.shop, &order_of(reply)).await;
    }
    let view = sale.admin_view(&id).await;
    assert_eq!(view["sold"], json!(accepted.len()), "{view}");
    assert_consistent(&sale.shop).await;
}

#[tokio::test]
async fn a_declined_sale_order_gives_its_unit_back_to_the_sale() {
    let sale = Sale::shop().await;
    let id = sale.created(1, json!({})).await;
    let joined = buyers(&sale, &id, 2).await;
    sale.open();
    let mut polled = Vec::new();
    for (buyer, ticket) in &joined {
        polled.push(sale.poll(buyer, &id, ticket).await);
    }
    let holder = polled
        .iter()
        .position(|ticket| ticket["status"] == "ADMITTED")
        .unwrap();
    let waiter = 1 - holder;
    assert_eq!(polled[waiter]["status"], "SOLD_OUT");

    let buyer = &joined[holder].0;
    fill_cart(&sale.shop, buyer, &[(SKU, 1)]).await;
    let purchase = polled[holder]["purchaseToken"].as_str().unwrap();
    let declined = sale.buy(buyer, "d1", purchase, "tok_decline").await;
    assert_eq!(declined.status, StatusCode::ACCEPTED, "{:?}", declined.body);
    saga_finished(&sale.shop, &order_of(&declined)).await;

    let next = sale.poll(&joined[waiter].0, &id, &joined[waiter].1).await;
    assert_eq!(next["status"], "ADMITTED", "the unit came back: {next}");
    assert_consistent(&sale.shop).await;
}

#[tokio::test]
async fn a_sale_that_ends_returns_its_units_and_a_short_one_sets_nothing_aside() {
    let sale = Sale::shop().await;
    let short = sale.create(STOCK + 1, json!({})).await;
    assert_eq!(short.status, StatusCode::CONFLICT, "{:?}", short.body);
    assert_eq!(sale.available().await, i64::from(STOCK));
    let bad = sale.create(0, json!({"tokenTtlSeconds": 1})).await;
    assert_eq!(bad.problem_fields(), ["units", "tokenTtlSeconds"]);

    let id = sale.created(5, json!({})).await;
    let joined = buyers(&sale, &id, 1).await;
    assert_eq!(sale.available().await, i64::from(STOCK) - 5);
    sale.clock.advance(Duration::hours(1));
    sale.shop.inner().sweeper.sweep(sale.clock.now()).await;
    assert_eq!(sale.available().await, i64::from(STOCK));
    let ended = sale.poll(&joined[0].0, &id, &joined[0].1).await;
    assert_eq!(ended["status"], "ENDED");
    let public = sale
        .shop
        .get(&format!("/flash-sales/{id}"), As::default())
        .await;
    assert_eq!(public.body["status"], "ENDED");
    let late = sale
        .shop
        .post(
            &format!("/flash-sales/{id}/queue"),
            As::user(&token("late", false)),
            &json!({}),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_consistent(&sale.shop).await;
}

#[tokio::test]
async fn only_a_tickets_owner_sees_it_and_only_admins_create_sales() {
    let sale = Sale::shop().await;
    let id = sale.created(1, json!({})).await;
    let joined = buyers(&sale, &id, 2).await;
    let path = format!("/flash-sales/{id}/queue/{}", joined[0].1);
    let foreign = sale.shop.get(&path, As::user(&joined[1].0)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let anonymous = sale.shop.get(&path, As::default()).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let shopper = sale
        .shop
        .post("/admin/flash-sales", As::user(&joined[0].0), &json!({}))
        .await;
    assert_eq!(shopper.status, StatusCode::FORBIDDEN);
    let missing = sale
        .shop
        .get(
            &format!("/flash-sales/{}", uuid::Uuid::new_v4()),
            As::default(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_buyer_or_an_address_over_its_limit_is_answered_429_with_retry_after() {
    let two_at_once = Some(Limit {
        per_second: 1,
        burst: 2,
    });
    let sale = Sale::limited(RateLimitSettings {
        per_buyer: two_at_once,
        per_client: None,
    })
    .await;
    let id = sale.created(1, json!({})).await;
    let alice = token("alice", false);
    let ticket = sale.join(&alice, &id).await;
    let path = format!("/flash-sales/{id}/queue/{ticket}");
    assert_eq!(
        sale.shop.get(&path, As::user(&alice)).await.status,
        StatusCode::OK
    );
    let limited = sale.shop.get(&path, As::user(&alice)).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        limited.body
    );
    assert_eq!(limited.header("retry-after"), Some("1"));
    let bob = token("bob", false);
    let other = sale
        .shop
        .post(
            &format!("/flash-sales/{id}/queue"),
            As::user(&bob),
            &json!({}),
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::ACCEPTED,
        "another buyer has a bucket of their own"
    );
    sale.clock.advance(Duration::seconds(1));
    assert_eq!(
        sale.shop.get(&path, As::user(&alice)).await.status,
        StatusCode::OK
    );

    let by_address = Sale::limited(RateLimitSettings {
        per_buyer: None,
        per_client: two_at_once,
    })
    .await;
    let id = by_address.created(1, json!({})).await;
    let public = format!("/flash-sales/{id}");
    for _ in 0..2 {
        assert_eq!(
            by_address.shop.get(&public, As::default()).await.status,
            StatusCode::OK
        );
    }
    let limited = by_address.shop.get(&public, As::default()).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.header("retry-after").is_some());
}

#[tokio::test]
async fn concurrent_polls_share_one_admission_round_and_admit_exactly_the_units() {
    let sale = Sale::shop().await;
    let id = sale.created(2, json!({})).await;
    let joined = buyers(&sale, &id, 5).await;
    sale.open();
    let statuses = |polled: Vec<Value>| -> Vec<String> {
        let mut statuses: Vec<String> = polled
            .iter()
            .map(|ticket| ticket["status"].as_str().unwrap().to_owned())
            .collect();
        statuses.sort();
        statuses
    };
    // Each poll reads its ticket after a whole round, its own or one it waited for.
    let polls = joined
        .iter()
        .map(|(buyer, ticket)| sale.poll(buyer, &id, ticket));
    let first = statuses(futures::future::join_all(polls).await);
    assert_eq!(
        first,
        ["ADMITTED", "ADMITTED", "SOLD_OUT", "SOLD_OUT", "SOLD_OUT"]
    );
    let counted = samples(&sale.shop).await;
    assert_eq!(
        counted["mambogo_sale_admissions_total"], 2.0,
        "each admission counted once, by the round that wrote it"
    );
    assert_eq!(counted["mambogo_sale_sold_out_answers_total"], 3.0);
    assert_consistent(&sale.shop).await;
}

/// A sale of one unit for two buyers whose holder has checked out while Step Functions
/// refuses every start: the holder's answer (429), the holder and the waiter as
/// (token, ticket), and the order the checkout kept.
async fn checkout_throttled(sale: &Sale, id: &str) -> (Reply, [(String, String); 2], String) {
    let joined = buyers(sale, id, 2).await;
    sale.open();
    let mut polled = Vec::new();
    for (buyer, ticket) in &joined {
        polled.push(sale.poll(buyer, id, ticket).await);
    }
    let holder = polled
        .iter()
        .position(|ticket| ticket["status"] == "ADMITTED")
        .unwrap();
    let purchase = polled[holder]["purchaseToken"].as_str().unwrap().to_owned();
    let holder_and_waiter = [joined[holder].clone(), joined[1 - holder].clone()];
    let buyer = &holder_and_waiter[0].0;
    fill_cart(&sale.shop, buyer, &[(SKU, 1)]).await;
    let busy = sale.buy(buyer, "sale-1", &purchase, "tok_approve").await;
    assert_eq!(
        busy.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{:?}",
        busy.body
    );
    assert_eq!(busy.header("retry-after"), Some("1"));
    let (waiter, ticket) = &holder_and_waiter[1];
    let still = sale.poll(waiter, id, ticket).await;
    assert_eq!(
        still["status"], "SOLD_OUT",
        "the unit stays the holder's: {still}"
    );
    (busy, holder_and_waiter, purchase)
}

#[tokio::test]
async fn a_sale_checkout_throttled_keeps_its_unit_and_the_same_request_confirms_it_later() {
    let throttle = Throttle::refusing(usize::MAX);
    let sale = Sale::throttled(&throttle).await;
    let id = sale.created(1, json!({})).await;
    let (_, [(buyer, _), _], purchase) = checkout_throttled(&sale, &id).await;

    throttle.lift();
    let accepted = sale.buy(&buyer, "sale-1", &purchase, "tok_approve").await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let placed = order_of(&accepted);
    saga_finished(&sale.shop, &placed).await;
    let confirmed = order(&sale.shop, &buyer, &placed).await;
    assert_eq!(confirmed["status"], "CONFIRMED", "{confirmed}");
    assert_eq!(
        confirmed["lines"][0]["unitPrice"]["amount"],
        sale.regular_price().await / 2
    );
    let view = sale.admin_view(&id).await;
    assert_eq!(view["sold"], 1, "{view}");
    assert_consistent(&sale.shop).await;
}

#[tokio::test]
async fn a_sale_checkout_left_throttled_is_failed_by_the_sweeper_and_its_unit_goes_to_the_next_in_line(
) {
    let throttle = Throttle::refusing(usize::MAX);
    let sale = Sale::throttled(&throttle).await;
    let id = sale.created(1, json!({})).await;
    let (_, [(buyer, _), (waiter, ticket)], _) = checkout_throttled(&sale, &id).await;
    let mine = sale.shop.get("/orders", As::user(&buyer)).await;
    let kept = OrderId::parse(mine.body["items"][0]["id"].as_str().unwrap()).unwrap();
    assert_eq!(
        mine.body["items"][0]["status"], "PENDING",
        "{:?}",
        mine.body
    );

    // The buyer never comes back; the order's reservation runs out, then the sweeper's
    // grace period.
    sale.clock.advance(Duration::minutes(21));
    let report = sale.shop.inner().sweeper.sweep(sale.clock.now()).await;
    assert_eq!(report.failed_orders, vec![kept], "{report:?}");
    assert_eq!(order(&sale.shop, &buyer, &kept).await["status"], "FAILED");
    let next = sale.poll(&waiter, &id, &ticket).await;
    assert_eq!(next["status"], "ADMITTED", "the unit came back: {next}");
    assert_consistent(&sale.shop).await;
}
