//! The catalog over HTTP, against the local shop on an ephemeral port.

use std::collections::HashSet;

use mambogo_local::demo::DEMO_PRODUCT_COUNT;
use mambogo_tests::shop::{token, As, TestShop};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

fn product_draft(sku: &str, amount: i64) -> Value {
    json!({
        "name": "Field Recorder",
        "description": "Records the field.",
        "brand": "Sonora",
        "categoryId": "audio",
        "images": ["https://images.example.com/recorder.jpg"],
        "variants": [{"sku": sku, "name": "Grey", "price": {"amount": amount, "currency": "USD"}, "stock": 3}]
    })
}

#[tokio::test]
async fn cursor_pages_walk_the_whole_catalog_once() {
    let shop = TestShop::start().await;
    let mut seen = Vec::new();
    let mut path = "/products?sort=newest&limit=100".to_owned();
    loop {
        let page = shop.get(&path, As::default()).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.body["total"], DEMO_PRODUCT_COUNT);
        seen.extend(ids(&page.body));
        match page.body["nextCursor"].as_str() {
            Some(cursor) => path = format!("/products?sort=newest&limit=100&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), DEMO_PRODUCT_COUNT);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        DEMO_PRODUCT_COUNT
    );
    assert_eq!(
        seen.first().map(String::as_str),
        Some("prod_0240"),
        "newest first"
    );
    shop.stop().await;
}

#[tokio::test]
async fn filters_narrow_the_results_and_facets_count_them() {
    let shop = TestShop::start().await;
    let audio = shop
        .get("/products?category=audio&limit=100", As::default())
        .await;
    let categories: HashSet<&str> = audio.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["categoryId"].as_str().unwrap())
        .collect();
    assert_eq!(categories, HashSet::from(["headphones", "speakers"]));

    let cheap = shop
        .get(
            "/products?minPrice=2000&maxPrice=4000&inStock=true&sort=price&limit=100",
            As::default(),
        )
        .await;
    let items = cheap.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    let prices: Vec<i64> = items
        .iter()
        .map(|i| i["price"]["amount"].as_i64().unwrap())
        .collect();
    assert!(prices.iter().all(|p| (2000..=4000).contains(p)));
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "sorted by price");
    assert!(items.iter().all(|i| i["inStock"] == true));

    let sonora = shop
        .get("/products?brand=Sonora&q=speaker", As::default())
        .await;
    let brand_total: u64 = sonora.body["facets"]["brands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|facet| facet["brand"] == "Sonora")
        .map(|facet| facet["count"].as_u64().unwrap())
        .unwrap();
    assert_eq!(brand_total, sonora.body["total"].as_u64().unwrap());
    assert!(sonora.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["brand"] == "Sonora" && i["name"].as_str().unwrap().contains("Speaker")));
    shop.stop().await;
}

#[tokio::test]
async fn one_product_and_the_category_tree() {
    let shop = TestShop::start().await;
    let product = shop.get("/products/prod_0007", As::default()).await;
    assert_eq!(product.status, StatusCode::OK);
    assert_eq!(product.body["id"], "prod_0007");
    assert!(!product.body["variants"].as_array().unwrap().is_empty());

    let missing = shop.get("/products/prod_9999", As::default()).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let malformed = shop.get("/products/bad%20id", As::default()).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.problem_fields(), ["productId"]);

    let tree = shop.get("/categories", As::default()).await;
    let roots = tree.body["categories"].as_array().unwrap();
    assert_eq!(roots.len(), 5);
    assert!(roots
        .iter()
        .all(|root| root["children"].as_array().unwrap().len() == 2));
    shop.stop().await;
}

#[tokio::test]
async fn admins_create_and_replace_products() {
    let shop = TestShop::start().await;
    let admin = token("ops", true);
    let created = shop
        .post(
            "/admin/products",
            As::user(&admin),
            &product_draft("REC-1", 19_900),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created.header("location"),
        Some(format!("/products/{id}").as_str())
    );

    let found = shop
        .get("/products?q=field%20recorder", As::default())
        .await;
    assert_eq!(ids(&found.body), std::slice::from_ref(&id));

    let mut cheaper = product_draft("REC-1", 14_900);
    cheaper["active"] = json!(false);
    let replaced = shop
        .put(&format!("/admin/products/{id}"), As::user(&admin), &cheaper)
        .await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(replaced.body["version"], 2);

    let hidden = shop.get(&format!("/products/{id}"), As::default()).await;
    assert_eq!(
        hidden.status,
        StatusCode::NOT_FOUND,
        "inactive products are hidden from shoppers"
    );
    let as_admin = shop.get(&format!("/products/{id}"), As::user(&admin)).await;
    assert_eq!(as_admin.body["variants"][0]["price"]["amount"], 14_900);
    assert!(ids(&shop
        .get("/products?q=field%20recorder", As::default())
        .await
        .body)
    .is_empty());

    let category = shop
        .put(
            "/admin/categories/microphones",
            As::user(&admin),
            &json!({"name": "Microphones", "parentId": "audio"}),
        )
        .await;
    assert_eq!(category.status, StatusCode::OK);
    let tree = shop.get("/categories", As::default()).await;
    let audio = tree.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "audio")
        .unwrap()
        .clone();
    assert_eq!(audio["children"].as_array().unwrap().len(), 3);
    shop.stop().await;
}

#[tokio::test]
async fn admin_routes_refuse_shoppers_and_bad_products_without_changing_anything() {
    let shop = TestShop::start().await;
    let admin = token("ops", true);
    let shopper = token("alice", false);
    let draft = product_draft("REC-2", 19_900);

    let anonymous = shop.post("/admin/products", As::default(), &draft).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let not_admin = shop
        .post("/admin/products", As::user(&shopper), &draft)
        .await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);

    let negative = shop
        .post(
            "/admin/products",
            As::user(&admin),
            &product_draft("REC-2", -1),
        )
        .await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(negative.problem_fields(), ["variants[0].price.amount"]);

    let mut unknown_category = draft.clone();
    unknown_category["categoryId"] = json!("nowhere");
    let refused = shop
        .post("/admin/products", As::user(&admin), &unknown_category)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.problem_fields(), ["categoryId"]);

    let taken = shop
        .post(
            "/admin/products",
            As::user(&admin),
            &product_draft("MB-0001-BLK", 100),
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.body["detail"]
        .as_str()
        .unwrap()
        .contains("MB-0001-BLK"));

    let missing_field = shop
        .post("/admin/products", As::user(&admin), &json!({"name": "x"}))
        .await;
    assert_eq!(missing_field.status, StatusCode::BAD_REQUEST);
    assert_eq!(missing_field.problem_fields(), ["brand"]);

    let all = shop.get("/products?limit=1", As::default()).await;
    assert_eq!(all.body["total"], DEMO_PRODUCT_COUNT, "nothing was created");
    shop.stop().await;
}
