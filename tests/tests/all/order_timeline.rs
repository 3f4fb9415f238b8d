//! `GET /admin/orders/{orderId}/timeline`: a declined checkout's whole story — the order's
//! status changes, the saga's steps through its compensation, the declined payment and
//! the gateway's webhook, the events published and what each consumer made of them — in
//! time order, for operators only. On AWS's services the events and outcomes reach the
//! journal through EventBridge, SQS and the consumers' pollers.

use mambogo_tests::checkout::{checkout, fill_cart, order_id, saga_finished};
use mambogo_tests::on_both_stores;
use mambogo_tests::shop::{token, As, Stores, TestShop};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

on_both_stores!(a_declined_checkout_tells_its_whole_story_in_order);

/// Where the first entry from `source` whose `what` is `what` stands, failing if none.
fn position(entries: &[Value], source: &str, what: &str) -> usize {
    entries
        .iter()
        .position(|entry| entry["source"] == source && entry["what"] == what)
        .unwrap_or_else(|| panic!("no {source} entry `{what}` in {entries:#?}"))
}

async fn a_declined_checkout_tells_its_whole_story_in_order(stores: Stores) {
    let shop = TestShop::on(stores).await;
    let (alice, admin) = (token("timeline-alice", false), token("ops", true));
    fill_cart(&shop, &alice, &[("MB-0002-BLK", 1)]).await;
    let id = order_id(&checkout(&shop, &alice, "key-1", "tok_decline").await);
    saga_finished(&shop, &id).await;
    shop.consumers_done().await;

    let path = format!("/admin/orders/{id}/timeline");
    let answer = shop.get(&path, As::user(&admin)).await;
    assert_eq!(answer.status.as_u16(), 200, "{:#}", answer.body);
    assert_eq!(answer.body["orderId"], id.to_string());
    let entries = answer.body["entries"].as_array().unwrap().clone();
    let times: Vec<OffsetDateTime> = entries
        .iter()
        .map(|entry| OffsetDateTime::parse(entry["at"].as_str().unwrap(), &Rfc3339).unwrap())
        .collect();
    assert!(
        times.windows(2).all(|pair| pair[0] <= pair[1]),
        "oldest first: {entries:#?}"
    );

    // The story, in the order it happened.
    let story = [
        position(&entries, "order", "PENDING"),
        position(&entries, "bus", "published OrderPlaced"),
        position(&entries, "saga", "StateEntered AuthorizePayment"),
        position(&entries, "bus", "published PaymentFailed"),
        position(&entries, "saga", "StateEntered ReleaseInventory"),
        position(&entries, "saga", "StateEntered CancelOrder"),
        position(&entries, "order", "PENDING → CANCELLED"),
        position(&entries, "bus", "published OrderCancelled"),
        position(
            &entries,
            "consumer",
            "notify-shopper handled OrderCancelled",
        ),
    ];
    assert!(
        story.windows(2).all(|pair| pair[0] < pair[1]),
        "out of order ({story:?}): {entries:#?}"
    );
    for (source, what) in [
        ("gateway", "gateway payment.declined"),
        ("bus", "published InventoryReserved"),
        ("bus", "published InventoryReleased"),
        ("payment", "payment DECLINED"),
        ("consumer", "count-events handled OrderPlaced"),
        ("consumer", "count-events handled PaymentFailed"),
        ("consumer", "release-coupon handled OrderCancelled"),
    ] {
        position(&entries, source, what);
    }
    let once = |what: &str| entries.iter().filter(|entry| entry["what"] == what).count();
    assert_eq!(once("published OrderCancelled"), 1, "{entries:#?}");
    assert_eq!(once("count-events handled OrderCancelled"), 1);

    let shopper = shop.get(&path, As::user(&alice)).await;
    assert_eq!(shopper.status.as_u16(), 403);
    let unknown = "/admin/orders/00000000-0000-4000-8000-000000000000/timeline";
    assert_eq!(
        shop.get(unknown, As::user(&admin)).await.status.as_u16(),
        404
    );
    let malformed = shop
        .get("/admin/orders/not-an-order/timeline", As::user(&admin))
        .await;
    assert_eq!(malformed.status.as_u16(), 400);
    shop.stop().await;
}
