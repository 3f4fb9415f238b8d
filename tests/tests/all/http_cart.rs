//! Carts over HTTP: guests, users, merging, and prices that change underneath.

use mambogo_tests::shop::{token, As, TestShop};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn quantities(cart: &Value) -> Vec<(String, u64)> {
    cart["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["sku"].as_str().unwrap().to_owned(),
                line["quantity"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn item(sku: &str, quantity: u32) -> Value {
    json!({"sku": sku, "quantity": quantity})
}

#[tokio::test]
async fn a_guest_fills_changes_and_empties_a_cart() {
    let shop = TestShop::start().await;
    let empty = shop.get("/cart", As::default()).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert_eq!(empty.body["lines"], json!([]));

    let added = shop
        .post("/cart/items", As::default(), &item("MB-0002-BLK", 2))
        .await;
    assert_eq!(added.status, StatusCode::OK);
    let cart_id = added
        .header("x-cart-id")
        .expect("a guest gets a cart id")
        .to_owned();
    assert_eq!(added.body["id"], cart_id.as_str());

    let again = shop
        .post("/cart/items", As::guest(&cart_id), &item("MB-0002-BLK", 3))
        .await;
    assert_eq!(quantities(&again.body), [("MB-0002-BLK".to_owned(), 5)]);
    let second = shop
        .post("/cart/items", As::guest(&cart_id), &item("MB-0003-WHT", 1))
        .await;
    assert_eq!(second.body["lines"].as_array().unwrap().len(), 2);
    let unit = second.body["lines"][0]["unitPrice"]["amount"]
        .as_i64()
        .unwrap();
    let other = second.body["lines"][1]["lineTotal"]["amount"]
        .as_i64()
        .unwrap();
    assert_eq!(
        second.body["subtotal"]["amount"].as_i64().unwrap(),
        unit * 5 + other
    );

    let item_id = second.body["lines"][0]["itemId"]
        .as_str()
        .unwrap()
        .to_owned();
    let changed = shop
        .put(
            &format!("/cart/items/{item_id}"),
            As::guest(&cart_id),
            &json!({"quantity": 1}),
        )
        .await;
    assert_eq!(changed.body["lines"][0]["quantity"], 1);
    let removed = shop
        .delete(&format!("/cart/items/{item_id}"), As::guest(&cart_id))
        .await;
    assert_eq!(quantities(&removed.body), [("MB-0003-WHT".to_owned(), 1)]);

    let read = shop.get("/cart", As::guest(&cart_id)).await;
    assert_eq!(read.body, removed.body);
    shop.stop().await;
}

#[tokio::test]
async fn users_only_ever_see_their_own_cart() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    let bob = token("bob", false);
    let added = shop
        .post("/cart/items", As::user(&alice), &item("MB-0002-BLK", 1))
        .await;
    assert_eq!(added.status, StatusCode::OK);
    assert_eq!(added.body["owner"], "user");
    assert!(
        added.header("x-cart-id").is_none(),
        "user carts are found by the token"
    );
    let alice_cart_id = added.body["id"].as_str().unwrap().to_owned();

    let bobs = shop.get("/cart", As::user(&bob)).await;
    assert_eq!(bobs.body["lines"], json!([]));

    let guest_peek = shop.get("/cart", As::guest(&alice_cart_id)).await;
    assert_eq!(guest_peek.status, StatusCode::FORBIDDEN);
    let guest_write = shop
        .post(
            "/cart/items",
            As::guest(&alice_cart_id),
            &item("MB-0002-BLK", 1),
        )
        .await;
    assert_eq!(guest_write.status, StatusCode::FORBIDDEN);
    let bob_merge = shop
        .send(
            reqwest::Method::POST,
            "/cart/merge",
            As {
                token: Some(&bob),
                cart_id: Some(&alice_cart_id),
            },
            None,
        )
        .await;
    assert_eq!(bob_merge.status, StatusCode::FORBIDDEN);

    let unchanged = shop.get("/cart", As::user(&alice)).await;
    assert_eq!(quantities(&unchanged.body), [("MB-0002-BLK".to_owned(), 1)]);
    shop.stop().await;
}

#[tokio::test]
async fn signing_in_merges_the_guest_cart() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    shop.post("/cart/items", As::user(&alice), &item("MB-0002-BLK", 40))
        .await;
    let guest = shop
        .post("/cart/items", As::default(), &item("MB-0002-BLK", 30))
        .await;
    let guest_id = guest.header("x-cart-id").unwrap().to_owned();
    shop.post("/cart/items", As::guest(&guest_id), &item("MB-0004-BLK", 2))
        .await;

    let merged = shop
        .send(
            reqwest::Method::POST,
            "/cart/merge",
            As {
                token: Some(&alice),
                cart_id: Some(&guest_id),
            },
            None,
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK);
    assert_eq!(
        quantities(&merged.body),
        [
            ("MB-0002-BLK".to_owned(), 50),
            ("MB-0004-BLK".to_owned(), 2)
        ],
        "same SKU sums, capped at 50"
    );
    assert_eq!(merged.body["skusNotMerged"], json!([]));

    let gone = shop.get("/cart", As::guest(&guest_id)).await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "the guest cart is deleted"
    );
    let twice = shop
        .send(
            reqwest::Method::POST,
            "/cart/merge",
            As {
                token: Some(&alice),
                cart_id: Some(&guest_id),
            },
            None,
        )
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    let anonymous = shop
        .send(
            reqwest::Method::POST,
            "/cart/merge",
            As::guest(&guest_id),
            None,
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    shop.stop().await;
}

#[tokio::test]
async fn price_changes_and_withdrawn_products_are_flagged() {
    let shop = TestShop::start().await;
    let admin = token("ops", true);
    let added = shop
        .post("/cart/items", As::default(), &item("MB-0002-BLK", 1))
        .await;
    let cart_id = added.header("x-cart-id").unwrap().to_owned();
    assert_eq!(added.body["needsAttention"], false);

    let product = shop.get("/products/prod_0002", As::default()).await.body;
    let mut draft = json!({
        "name": product["name"], "description": product["description"], "brand": product["brand"],
        "categoryId": product["categoryId"], "images": product["images"], "attributes": product["attributes"],
        "variants": product["variants"],
    });
    for variant in draft["variants"].as_array_mut().unwrap() {
        // What a product shows of its stock is not part of what an operator sends.
        variant.as_object_mut().unwrap().remove("available");
    }
    let old_price = product["variants"][0]["price"]["amount"].as_i64().unwrap();
    draft["variants"][0]["price"]["amount"] = json!(old_price + 500);
    draft["variants"][0]["salePrice"] = Value::Null;
    let updated = shop
        .put("/admin/products/prod_0002", As::user(&admin), &draft)
        .await;
    assert_eq!(updated.status, StatusCode::OK);

    let repriced = shop.get("/cart", As::guest(&cart_id)).await;
    let line = &repriced.body["lines"][0];
    assert_eq!(line["priceChanged"], true);
    assert_eq!(line["unitPrice"]["amount"], old_price + 500);
    assert_eq!(line["priceWhenAdded"], added.body["lines"][0]["unitPrice"]);
    assert_eq!(repriced.body["needsAttention"], true);

    draft["active"] = json!(false);
    shop.put("/admin/products/prod_0002", As::user(&admin), &draft)
        .await;
    let withdrawn = shop.get("/cart", As::guest(&cart_id)).await;
    assert_eq!(withdrawn.body["lines"][0]["available"], false);
    assert_eq!(
        withdrawn.body["subtotal"]["amount"], 0,
        "unavailable lines are not counted"
    );
    let refused = shop
        .post("/cart/items", As::guest(&cart_id), &item("MB-0002-BLK", 1))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.problem_fields(), ["sku"]);
    shop.stop().await;
}
