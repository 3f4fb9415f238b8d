//! `/me/addresses` over HTTP: a shopper's address book, its limit and its one default,
//! and a checkout that sends the order to a saved address.

use std::sync::Arc;

use mambogo_tests::checkout::{
    checkout_body, checkout_with, fill_cart, order, order_id, saga_finished, shipping_address,
};
use mambogo_tests::shop::{token, As, Reply, TestShop};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn address(line1: &str) -> Value {
    let mut address = shipping_address();
    address["line1"] = json!(line1);
    address
}

async fn add(shop: &TestShop, shopper: &str, body: &Value) -> Reply {
    shop.post("/me/addresses", As::user(shopper), body).await
}

async fn book(shop: &TestShop, shopper: &str) -> Vec<Value> {
    let reply = shop.get("/me/addresses", As::user(shopper)).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["addresses"].as_array().unwrap().clone()
}

/// The ids of the book's default addresses: exactly one while the book holds any.
fn defaults(book: &[Value]) -> Vec<String> {
    book.iter()
        .filter(|entry| entry["isDefault"] == true)
        .map(|entry| entry["addressId"].as_str().unwrap().to_owned())
        .collect()
}

fn id_of(reply: &Reply) -> String {
    reply.body["addressId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_shopper_keeps_addresses_with_exactly_one_default() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    assert_eq!(book(&shop, &alice).await, Vec::<Value>::new());

    let home = add(&shop, &alice, &address("1 Home St")).await;
    assert_eq!(home.status, StatusCode::CREATED, "{:?}", home.body);
    let home_id = id_of(&home);
    assert_eq!(
        home.header("location"),
        Some(format!("/me/addresses/{home_id}").as_str())
    );
    assert_eq!(home.body["isDefault"], true, "the first is the default");
    assert_eq!(home.body["postalCode"], "94105");

    let mut work_body = address("2 Work Ave");
    work_body["isDefault"] = json!(true);
    let work = add(&shop, &alice, &work_body).await;
    assert_eq!(work.status, StatusCode::CREATED);
    let work_id = id_of(&work);
    assert_eq!(defaults(&book(&shop, &alice).await), [work_id.as_str()]);

    let again = add(&shop, &alice, &address("1 Home St")).await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "the same address is not kept twice"
    );
    assert_eq!(id_of(&again), home_id);
    assert_eq!(book(&shop, &alice).await.len(), 2);

    let mut moved = address("1 New Home St");
    moved["isDefault"] = json!(true);
    let updated = shop
        .put(
            &format!("/me/addresses/{home_id}"),
            As::user(&alice),
            &moved,
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
    assert_eq!(updated.body["line1"], "1 New Home St");
    assert_eq!(defaults(&book(&shop, &alice).await), [home_id.as_str()]);

    let deleted = shop
        .delete(&format!("/me/addresses/{home_id}"), As::user(&alice))
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{:?}", deleted.body);
    let left = deleted.body["addresses"].as_array().unwrap().clone();
    assert_eq!(defaults(&left), [work_id.as_str()], "the default moves on");
    assert_eq!(book(&shop, &token("bob", false)).await, Vec::<Value>::new());
}

#[tokio::test]
async fn a_book_holds_at_most_twenty_addresses_even_when_added_at_once() {
    let shop = Arc::new(TestShop::start().await);
    let alice = token("alice", false);
    let adds: Vec<_> = (0..25)
        .map(|n| {
            let (shop, alice) = (Arc::clone(&shop), alice.clone());
            tokio::spawn(async move { add(&shop, &alice, &address(&format!("{n} Main St"))).await })
        })
        .collect();
    let mut created = 0;
    for added in adds {
        let reply = added.await.unwrap();
        match reply.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {}
            other => panic!("{other}: {:?}", reply.body),
        }
    }
    let kept = book(&shop, &alice).await;
    assert_eq!(kept.len(), created, "every address answered 201 is kept");
    assert!(created <= 20, "{created} kept");
    assert_eq!(defaults(&kept).len(), 1);

    for n in kept.len()..20 {
        let reply = add(&shop, &alice, &address(&format!("{n} Side St"))).await;
        assert_eq!(reply.status, StatusCode::CREATED);
    }
    let full = add(&shop, &alice, &address("21 Last St")).await;
    assert_eq!(full.status, StatusCode::CONFLICT, "{:?}", full.body);
    assert_eq!(book(&shop, &alice).await.len(), 20);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    let kept = add(&shop, &alice, &address("1 Home St")).await;
    let kept_id = id_of(&kept);

    let mut wrong = address("2 Main St");
    wrong["postalCode"] = json!("ABCDE");
    wrong["country"] = json!("us");
    wrong.as_object_mut().unwrap().remove("city");
    let refused = add(&shop, &alice, &wrong).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.problem_fields(), ["city", "postalCode"]);

    let mut unknown_field = address("3 Main St");
    unknown_field["floor"] = json!(3);
    assert_eq!(
        add(&shop, &alice, &unknown_field).await.status,
        StatusCode::BAD_REQUEST
    );
    let mut odd_flag = address("4 Main St");
    odd_flag["isDefault"] = json!("yes");
    let odd = add(&shop, &alice, &odd_flag).await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
    assert_eq!(odd.problem_fields(), ["isDefault"]);

    let bob = token("bob", false);
    let path = format!("/me/addresses/{kept_id}");
    let foreign = shop.put(&path, As::user(&bob), &address("5 Main St")).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{:?}", foreign.body);
    let foreign = shop.delete(&path, As::user(&bob)).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let malformed = shop
        .delete("/me/addresses/not-a-uuid", As::user(&alice))
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let anonymous = shop
        .send(Method::GET, "/me/addresses", As::default(), None)
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let book = book(&shop, &alice).await;
    assert_eq!(book.len(), 1, "{book:?}");
    assert_eq!(book[0]["line1"], "1 Home St");
}

#[tokio::test]
async fn a_checkout_sends_the_order_to_a_saved_address_and_keeps_its_own_copy() {
    let shop = TestShop::start().await;
    let alice = token("alice", false);
    let saved = add(&shop, &alice, &address("9 Saved Rd")).await;
    let saved_id = id_of(&saved);
    fill_cart(&shop, &alice, &[("MB-0002-BLK", 1)]).await;

    let by_id = json!({"paymentToken": "tok_approve", "shippingAddressId": saved_id});
    let accepted = checkout_with(&shop, &alice, "key-1", &by_id).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
    let id = order_id(&accepted);
    saga_finished(&shop, &id).await;

    let path = format!("/me/addresses/{saved_id}");
    let edited = shop
        .put(&path, As::user(&alice), &address("10 Other Rd"))
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    let placed = order(&shop, &alice, &id).await;
    assert_eq!(
        placed["shippingAddress"]["line1"], "9 Saved Rd",
        "the order's own copy"
    );

    let bob = token("bob", false);
    fill_cart(&shop, &bob, &[("MB-0002-BLK", 1)]).await;
    let foreign = checkout_with(&shop, &bob, "key-1", &by_id).await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(foreign.problem_fields(), ["shippingAddressId"]);
    let mut both = checkout_body("tok_approve");
    both["shippingAddressId"] = json!(saved_id);
    let both = checkout_with(&shop, &alice, "key-2", &both).await;
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(both.problem_fields(), ["shippingAddressId"]);
}
