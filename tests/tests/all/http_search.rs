//! Search over HTTP on the demo catalog: `/search` ranks and forgives typos, `/products?q=`
//! answers from the same index, facet counts equal counts over every result, completions,
//! freshness after operators change the catalog, and bad input.

use std::collections::BTreeMap;

use mambogo_tests::checkout::{checkout, fill_cart, order_id, saga_finished};
use mambogo_tests::shop::{token, As, TestShop};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn get(shop: &TestShop, path: &str) -> Value {
    let reply = shop.get(path, As::default()).await;
    assert_eq!(reply.status, StatusCode::OK, "{path}: {:?}", reply.body);
    reply.body
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// Every result of `path` (a search with no limit or cursor yet), page after page.
async fn every_result(shop: &TestShop, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next = format!("{path}&limit=7");
    loop {
        let page = get(shop, &next).await;
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["nextCursor"].as_str() {
            Some(cursor) => next = format!("{path}&limit=7&cursor={cursor}"),
            None => return items,
        }
    }
}

#[tokio::test]
async fn search_forgives_typos_and_products_answers_the_same() {
    let shop = TestShop::start().await;
    let exact = get(&shop, "/search?q=headphones").await;
    let total = exact["total"].as_u64().expect("a total");
    assert!(total > 0);
    assert!(
        names(&exact)[0].contains("Headphones"),
        "{:?}",
        names(&exact)
    );
    for typo in ["headphnes", "hedphones", "headphones!", "HEADPHONES"] {
        let page = get(&shop, &format!("/search?q={typo}")).await;
        assert_eq!(page["total"], total, "{typo}");
    }
    let listed = get(&shop, "/products?q=headphones&sort=relevance").await;
    assert_eq!(names(&listed), names(&exact), "one index answers both");
    let by_price = get(&shop, "/search?q=headphones&sort=price").await;
    let prices: Vec<i64> = by_price["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["price"]["amount"].as_i64().unwrap())
        .collect();
    assert!(
        prices.windows(2).all(|pair| pair[0] <= pair[1]),
        "{prices:?}"
    );

    let nothing = get(&shop, "/search?q=speekr").await;
    assert_eq!(nothing["total"], 0);
    assert!(nothing["didYouMean"].is_string(), "{nothing}");
    let suggested = nothing["didYouMean"].as_str().unwrap();
    let again = get(&shop, &format!("/search?q={suggested}")).await;
    assert!(again["total"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn facet_counts_are_counts_of_every_result() {
    let shop = TestShop::start().await;
    for query in ["q=speaker", "q=sonora", "q=keyboard&inStock=true", "q=aud"] {
        let page = get(&shop, &format!("/search?{query}&limit=1")).await;
        let every = every_result(&shop, &format!("/search?{query}")).await;
        assert_eq!(
            page["total"].as_u64().unwrap() as usize,
            every.len(),
            "{query}"
        );
        let mut brands: BTreeMap<String, u64> = BTreeMap::new();
        for item in &every {
            *brands
                .entry(item["brand"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let facets: BTreeMap<String, u64> = page["facets"]["brands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|facet| {
                (
                    facet["brand"].as_str().unwrap().to_owned(),
                    facet["count"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(facets, brands, "{query}");
        for range in page["facets"]["priceRanges"].as_array().unwrap() {
            let min = range["min"].as_i64().unwrap();
            let max = range["max"].as_i64().unwrap_or(i64::MAX);
            let counted = every
                .iter()
                .filter(|item| {
                    let amount = item["price"]["amount"].as_i64().unwrap();
                    amount >= min && amount < max
                })
                .count();
            assert_eq!(
                range["count"].as_u64().unwrap() as usize,
                counted,
                "{query} {range}"
            );
        }
        // The in-stock count ignores its own filter, as every facet does.
        let any_stock = query.replace("&inStock=true", "");
        let in_stock = every_result(&shop, &format!("/search?{any_stock}"))
            .await
            .iter()
            .filter(|item| item["inStock"] == true)
            .count();
        assert_eq!(
            page["facets"]["inStock"].as_u64().unwrap() as usize,
            in_stock,
            "{query}"
        );
    }
}

#[tokio::test]
async fn completions_follow_the_prefix() {
    let shop = TestShop::start().await;
    let completions = get(&shop, "/search/suggest?q=son").await;
    let first = &completions["suggestions"][0];
    assert_eq!(first["kind"], "brand");
    assert_eq!(first["text"], "Sonora");
    let typed = get(&shop, "/search/suggest?q=keybo").await;
    let typo = get(&shop, "/search/suggest?q=kyebo").await;
    assert_eq!(typed, typo, "typos are forgiven from four letters");
    let all = typed["suggestions"].as_array().unwrap();
    assert!(!all.is_empty() && all.len() <= 10);
    assert!(all
        .iter()
        .any(|s| s["kind"] == "category" && s["id"] == "keyboards"));
    assert!(all.iter().any(|s| s["kind"] == "product"));
}

#[tokio::test]
async fn changes_by_operators_are_found_at_once() {
    let shop = TestShop::start().await;
    assert_eq!(get(&shop, "/search?q=kazoo").await["total"], 0);
    let admin = token("ops", true);
    let draft = json!({
        "name": "Zephyr Kazoo", "brand": "Sonora", "categoryId": "speakers",
        "variants": [{"sku": "KZ-1", "name": "Brass", "stock": 2,
                      "price": {"amount": 1_500, "currency": "USD"}}],
    });
    let created = shop.post("/admin/products", As::user(&admin), &draft).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        names(&get(&shop, "/search?q=kazoo").await),
        ["Zephyr Kazoo"]
    );

    let mut renamed = draft.clone();
    renamed["name"] = json!("Zephyr Ocarina");
    renamed["variants"][0]
        .as_object_mut()
        .unwrap()
        .remove("stock");
    let replaced = shop
        .put(&format!("/admin/products/{id}"), As::user(&admin), &renamed)
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{:?}", replaced.body);
    assert_eq!(get(&shop, "/search?q=kazoo").await["total"], 0);
    assert_eq!(
        names(&get(&shop, "/search?q=ocarina").await),
        ["Zephyr Ocarina"]
    );

    let sold_out = shop
        .put(
            "/admin/inventory/KZ-1",
            As::user(&admin),
            &json!({"onHand": 0}),
        )
        .await;
    assert_eq!(sold_out.status, StatusCode::OK, "{:?}", sold_out.body);
    assert_eq!(
        get(&shop, "/search?q=ocarina&inStock=true").await["total"],
        0
    );
    assert_eq!(
        get(&shop, "/search?q=ocarina&inStock=false").await["total"],
        1
    );

    let mut withdrawn = renamed;
    withdrawn["active"] = json!(false);
    let replaced = shop
        .put(
            &format!("/admin/products/{id}"),
            As::user(&admin),
            &withdrawn,
        )
        .await;
    assert_eq!(replaced.status, StatusCode::OK, "{:?}", replaced.body);
    assert_eq!(get(&shop, "/search?q=ocarina").await["total"], 0);
}

#[tokio::test]
async fn bad_search_input_is_a_400_and_syntax_and_control_characters_are_text() {
    let shop = TestShop::start().await;
    let long = "a".repeat(1_024);
    for (path, field) in [
        ("/search?q=".to_owned(), "q"),
        (format!("/search?q={long}"), "q"),
        ("/search?q=lamp&colour=red".to_owned(), "colour"),
        ("/search?sort=loudest".to_owned(), "sort"),
        ("/search/suggest".to_owned(), "q"),
        ("/search/suggest?q=".to_owned(), "q"),
        ("/search/suggest?q=a&limit=3".to_owned(), "limit"),
        (format!("/search/suggest?q={long}"), "q"),
    ] {
        let reply = shop.get(&path, As::default()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {:?}",
            reply.body
        );
        assert_eq!(reply.problem_fields(), [field], "{path}");
    }
    for syntax in [
        "%22",
        "%3A",
        "%28",
        "*",
        "speaker%22%20OR%20%28*",
        "name%3Aspeaker",
        "%5C",
    ] {
        get(&shop, &format!("/search?q={syntax}")).await;
        get(&shop, &format!("/search/suggest?q={syntax}")).await;
    }
    let spaced = get(&shop, "/search?q=desk%20lamp").await;
    for separated in ["desk%00lamp", "desk%07lamp", "desk%0Alamp"] {
        let found = get(&shop, &format!("/search?q={separated}")).await;
        assert_eq!(found["total"], spaced["total"], "{separated}");
        get(&shop, &format!("/search/suggest?q={separated}")).await;
    }
}

#[tokio::test]
async fn stock_sold_and_categories_renamed_reach_search_through_events() {
    let shop = TestShop::start().await;
    let admin = token("ops", true);
    let draft = json!({
        "name": "Quasar Theremin", "brand": "Sonora", "categoryId": "speakers",
        "variants": [{"sku": "QT-1", "name": "Walnut", "stock": 1,
                      "price": {"amount": 9_900, "currency": "USD"}}],
    });
    let created = shop.post("/admin/products", As::user(&admin), &draft).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(
        get(&shop, "/search?q=theremin&inStock=true").await["total"],
        1
    );

    // The last unit is reserved by a checkout: no operator touches the catalog.
    let shopper = token("bea", false);
    fill_cart(&shop, &shopper, &[("QT-1", 1)]).await;
    let placed = checkout(&shop, &shopper, "theremin-1", "tok_approve").await;
    saga_finished(&shop, &order_id(&placed)).await;
    assert_eq!(
        get(&shop, "/search?q=theremin&inStock=true").await["total"],
        0
    );
    assert_eq!(
        names(&get(&shop, "/search?q=theremin&inStock=false").await),
        ["Quasar Theremin"]
    );

    // A category's new name is a word its products are found by.
    assert_eq!(get(&shop, "/search?q=soundstage").await["total"], 0);
    let renamed = shop
        .put(
            "/admin/categories/speakers",
            As::user(&admin),
            &json!({"name": "Soundstage", "parentId": "audio"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{:?}", renamed.body);
    assert!(names(&get(&shop, "/search?q=soundstage&limit=100").await)
        .contains(&"Quasar Theremin".to_owned()));
}
