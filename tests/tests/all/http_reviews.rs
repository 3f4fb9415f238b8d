//! Reviews over HTTP: only a shopper to whom an order delivered the product may review
//! it, once, and rewrite it; anyone reads a product's shown reviews newest or best first
//! in pages; an operator hides one; the product's rating moves with each, in its detail,
//! the listing and search; bad input changes nothing.

use std::sync::Arc;

use mambogo::domain::clock::{Clock, ManualClock};
use mambogo_local::{LocalConfig, TestHooks};
use mambogo_tests::checkout::{checkout, fill_cart, order_id, saga_finished};
use mambogo_tests::shop::{token, As, Reply, TestShop};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

use crate::order_lifecycle::advance_to;

/// A speaker and a cable, 100 units each, on `clock` when one is given; the speaker's id.
async fn shop_with_products(clock: Option<Arc<ManualClock>>) -> (TestShop, String) {
    let hooks = TestHooks {
        clock: clock.map(|clock| clock as Arc<dyn Clock>),
        ..TestHooks::default()
    };
    let shop = TestShop::start_with(LocalConfig::ephemeral(), hooks).await;
    let admin = token("ops", true);
    let made = shop
        .put(
            "/admin/categories/audio",
            As::user(&admin),
            &json!({"name": "Audio"}),
        )
        .await;
    assert!(made.status.is_success(), "{:?}", made.body);
    let mut ids = Vec::new();
    for (name, sku) in [("Review Speaker", "RVW-SPK"), ("Review Cable", "RVW-CBL")] {
        let product = json!({
            "name": name, "brand": "Sonora", "categoryId": "audio",
            "variants": [{"sku": sku, "name": "One", "stock": 100,
                          "price": {"amount": 2_000, "currency": "USD"}}],
        });
        let created = shop
            .post("/admin/products", As::user(&admin), &product)
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        ids.push(created.body["id"].as_str().expect("an id").to_owned());
    }
    (shop, ids.swap_remove(0))
}

/// Checks `user` out with one `sku`, paid, and advances the order to `status`.
async fn bought(shop: &TestShop, user: &str, sku: &str, status: &str) {
    let shopper = token(user, false);
    fill_cart(shop, &shopper, &[(sku, 1)]).await;
    let accepted = checkout(
        shop,
        &shopper,
        &uuid::Uuid::new_v4().to_string(),
        "tok_approve",
    )
    .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let id = order_id(&accepted);
    saga_finished(shop, &id).await;
    if status != "CONFIRMED" {
        advance_to(shop, &token("ops", true), &id, status).await;
    }
}

fn reviews_path(product: &str) -> String {
    format!("/products/{product}/reviews")
}

async fn review(shop: &TestShop, product: &str, user: &str, body: &Value) -> Reply {
    shop.post(&reviews_path(product), As::user(&token(user, false)), body)
        .await
}

async fn edit(shop: &TestShop, product: &str, user: &str, body: &Value) -> Reply {
    shop.put(&reviews_path(product), As::user(&token(user, false)), body)
        .await
}

async fn hide(shop: &TestShop, id: &str) -> Reply {
    shop.post(
        &format!("/admin/reviews/{id}/hide"),
        As::user(&token("ops", true)),
        &json!({}),
    )
    .await
}

/// `GET` of `path` as a guest, which must answer 200.
async fn read(shop: &TestShop, path: &str) -> Value {
    let reply = shop.get(path, As::default()).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {:?}", reply.body);
    reply.body
}

/// `product`'s rating as its detail shows it.
async fn rating(shop: &TestShop, product: &str) -> Value {
    read(shop, &format!("/products/{product}")).await["rating"].clone()
}

fn titles(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|review| review["title"].as_str().expect("a title"))
        .collect()
}

#[tokio::test]
async fn only_a_shopper_who_received_the_product_reviews_it_and_only_once() {
    let (shop, speaker) = shop_with_products(None).await;
    let first = json!({"rating": 5, "title": "Loud", "body": "Fills the room."});

    let guest = shop
        .post(&reviews_path(&speaker), As::default(), &first)
        .await;
    assert_eq!(guest.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        review(&shop, &speaker, "bob", &first).await.status,
        StatusCode::FORBIDDEN
    );
    bought(&shop, "alice", "RVW-SPK", "SHIPPED").await;
    let shipped = review(&shop, &speaker, "alice", &first).await;
    assert_eq!(
        shipped.status,
        StatusCode::FORBIDDEN,
        "shipped is not received"
    );
    assert_eq!(
        rating(&shop, &speaker).await,
        json!({"average": null, "count": 0})
    );

    bought(&shop, "alice", "RVW-CBL", "DELIVERED").await;
    let other = review(&shop, &speaker, "alice", &first).await;
    assert_eq!(
        other.status,
        StatusCode::FORBIDDEN,
        "a delivered cable is not the speaker"
    );

    bought(&shop, "alice", "RVW-SPK", "DELIVERED").await;
    let written = review(&shop, &speaker, "alice", &first).await;
    assert_eq!(written.status, StatusCode::CREATED, "{:?}", written.body);
    assert_eq!(written.body["rating"], 5);
    assert_eq!(written.body["productId"], speaker.as_str());
    assert_eq!(written.body["verifiedPurchase"], true);
    assert_eq!(written.body["hidden"], false);
    assert!(
        written.body.get("userId").is_none(),
        "authors are not named"
    );

    let again = review(&shop, &speaker, "alice", &json!({"rating": 1})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{:?}", again.body);
    assert_eq!(
        rating(&shop, &speaker).await,
        json!({"average": 5.0, "count": 1})
    );

    let listing = read(&shop, "/products?q=review+speaker").await;
    assert_eq!(
        listing["items"][0]["rating"],
        json!({"average": 5.0, "count": 1})
    );
    let page = read(&shop, &reviews_path(&speaker)).await;
    assert_eq!(titles(&page), ["Loud"]);
    assert_eq!(page["rating"], json!({"average": 5.0, "count": 1}));
}

#[tokio::test]
async fn edits_and_hiding_move_the_average_the_listing_and_search() {
    let (shop, speaker) = shop_with_products(None).await;
    for user in ["alice", "carol"] {
        bought(&shop, user, "RVW-SPK", "DELIVERED").await;
    }
    let alices = review(
        &shop,
        &speaker,
        "alice",
        &json!({"rating": 5, "title": "Great"}),
    )
    .await;
    let alices_id = alices.body["reviewId"].as_str().expect("an id").to_owned();
    review(
        &shop,
        &speaker,
        "carol",
        &json!({"rating": 2, "title": "Meh"}),
    )
    .await;
    assert_eq!(
        rating(&shop, &speaker).await,
        json!({"average": 3.5, "count": 2})
    );

    let rewritten = edit(
        &shop,
        &speaker,
        "carol",
        &json!({"rating": 4, "title": "Grew on me"}),
    )
    .await;
    assert_eq!(rewritten.status, StatusCode::OK, "{:?}", rewritten.body);
    assert_eq!(rewritten.body["title"], "Grew on me");
    assert_eq!(
        rating(&shop, &speaker).await,
        json!({"average": 4.5, "count": 2})
    );
    let nobodys = edit(&shop, &speaker, "bob", &json!({"rating": 1})).await;
    assert_eq!(nobodys.status, StatusCode::NOT_FOUND);

    let by_shopper = shop
        .post(
            &format!("/admin/reviews/{alices_id}/hide"),
            As::user(&token("carol", false)),
            &json!({}),
        )
        .await;
    assert_eq!(by_shopper.status, StatusCode::FORBIDDEN);
    let hidden = hide(&shop, &alices_id).await;
    assert_eq!(hidden.status, StatusCode::OK, "{:?}", hidden.body);
    assert_eq!(hidden.body["hidden"], true);
    assert_eq!(
        hide(&shop, &alices_id).await.body,
        hidden.body,
        "hiding twice"
    );
    assert_eq!(
        rating(&shop, &speaker).await,
        json!({"average": 4.0, "count": 1})
    );
    assert_eq!(
        titles(&read(&shop, &reviews_path(&speaker)).await),
        ["Grew on me"]
    );
    let edited_hidden = edit(
        &shop,
        &speaker,
        "alice",
        &json!({"rating": 1, "title": "Spite"}),
    )
    .await;
    assert_eq!(
        edited_hidden.body["hidden"], true,
        "a hidden review stays hidden"
    );
    assert_eq!(
        rating(&shop, &speaker).await,
        json!({"average": 4.0, "count": 1})
    );

    let unknown = hide(&shop, "0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        hide(&shop, "not-a-uuid").await.status,
        StatusCode::BAD_REQUEST
    );

    let best = read(&shop, "/products?sort=rating").await;
    let ids: Vec<&str> = best["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().expect("an id"))
        .collect();
    assert_eq!(ids[0], speaker, "the one rated product first");
    let four_up = read(&shop, "/products?minRating=4").await;
    assert_eq!(four_up["total"], 1);
    assert_eq!(
        four_up["facets"]["ratings"][0],
        json!({"minRating": 4, "count": 1})
    );
    assert_eq!(read(&shop, "/products?minRating=5").await["total"], 0);
}

#[tokio::test]
async fn reviews_come_newest_or_best_first_a_page_at_a_time() {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let (shop, speaker) = shop_with_products(Some(Arc::clone(&clock))).await;
    for (user, stars) in [("ann", 3), ("ben", 5), ("cat", 1), ("dan", 4), ("eve", 5)] {
        bought(&shop, user, "RVW-SPK", "DELIVERED").await;
        clock.advance(Duration::minutes(1));
        let written = review(
            &shop,
            &speaker,
            user,
            &json!({"rating": stars, "title": user}),
        )
        .await;
        assert_eq!(written.status, StatusCode::CREATED, "{:?}", written.body);
    }

    for (sort, expected) in [
        ("newest", ["eve", "dan", "cat", "ben", "ann"]),
        ("rating", ["eve", "ben", "dan", "ann", "cat"]),
    ] {
        let mut seen = Vec::new();
        let mut path = format!("{}?sort={sort}&limit=2", reviews_path(&speaker));
        loop {
            let page = read(&shop, &path).await;
            seen.extend(titles(&page).into_iter().map(str::to_owned));
            match page["nextCursor"].as_str() {
                Some(cursor) => {
                    path = format!(
                        "{}?sort={sort}&limit=2&cursor={cursor}",
                        reviews_path(&speaker)
                    )
                }
                None => break,
            }
        }
        assert_eq!(seen, expected, "{sort}");
    }
    assert_eq!(
        read(&shop, &reviews_path(&speaker)).await["rating"],
        json!({"average": 3.6, "count": 5})
    );

    let first = read(&shop, &format!("{}?limit=2", reviews_path(&speaker))).await;
    let cursor = first["nextCursor"].as_str().expect("more pages");
    for (query, field) in [
        ("sort=oldest", "sort"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=junk", "cursor"),
        (&*format!("sort=rating&cursor={cursor}"), "cursor"),
        ("stars=5", "stars"),
    ] {
        let reply = shop
            .get(
                &format!("{}?{query}", reviews_path(&speaker)),
                As::default(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {:?}",
            reply.body
        );
        assert_eq!(reply.problem_fields(), [field], "{query}");
    }
    let missing = shop.get(&reviews_path("prod_missing"), As::default()).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_bad_review_changes_nothing_and_text_comes_back_as_sent() {
    let (shop, speaker) = shop_with_products(None).await;
    bought(&shop, "alice", "RVW-SPK", "DELIVERED").await;
    let long = |n: usize| "x".repeat(n);
    for (body, status, field) in [
        (
            json!({"rating": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rating",
        ),
        (
            json!({"rating": 6}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rating",
        ),
        (
            json!({"rating": -9_223_372_036_854_775_807_i64}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "rating",
        ),
        (
            json!({"rating": 4, "title": long(121)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "title",
        ),
        (
            json!({"rating": 4, "body": long(2_001)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
        ),
        (json!({"rating": 4.5}), StatusCode::BAD_REQUEST, "rating"),
        (json!({"rating": "5"}), StatusCode::BAD_REQUEST, "rating"),
        (
            json!({"title": "no stars"}),
            StatusCode::BAD_REQUEST,
            "rating",
        ),
        (
            json!({"rating": 4, "author": "me"}),
            StatusCode::BAD_REQUEST,
            "author",
        ),
    ] {
        let reply = review(&shop, &speaker, "alice", &body).await;
        assert_eq!(reply.status, status, "{body}: {:?}", reply.body);
        assert_eq!(reply.problem_fields(), [field], "{body}");
        let edited = edit(&shop, &speaker, "alice", &body).await;
        assert_eq!(edited.status, status, "PUT {body}: {:?}", edited.body);
    }
    let not_json = shop
        .send(
            Method::POST,
            &reviews_path(&speaker),
            As::user(&token("alice", false)),
            Some("{\"rating\": "),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    let unknown = shop
        .post(
            &reviews_path("prod_missing"),
            As::user(&token("alice", false)),
            &json!({"rating": 4}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        rating(&shop, &speaker).await,
        json!({"average": null, "count": 0})
    );
    assert_eq!(
        titles(&read(&shop, &reviews_path(&speaker)).await),
        Vec::<&str>::new()
    );

    let markup = "<script>alert(\"hi\")</script> & \u{1F50A}";
    let written = review(
        &shop,
        &speaker,
        "alice",
        &json!({"rating": 4, "title": markup, "body": long(2_000)}),
    )
    .await;
    assert_eq!(written.status, StatusCode::CREATED, "{:?}", written.body);
    let raw = reqwest::get(format!("{}{}", shop.url(), reviews_path(&speaker)))
        .await
        .expect("the shop answers");
    assert_eq!(
        raw.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let text = raw.text().await.expect("a body");
    assert!(
        text.contains(r#"<script>alert(\"hi\")</script> & "#),
        "{text}"
    );
    let page: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(page["items"][0]["title"], markup);
}
