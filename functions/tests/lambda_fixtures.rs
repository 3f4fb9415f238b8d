//! API Gateway HTTP API events (payload 2.0, in `tests/fixtures/`) through the same
//! translation and handler path the Lambda binaries use, on the embedded adapters.

// A test stops at the line that failed: tests unwrap where production code may not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use lambda_http::http::{HeaderMap, StatusCode};
use lambda_http::{Body, Context, Request, RequestExt, Response};
use mambogo::adapters::access::Manifest;
use mambogo::api::Endpoint;
use mambogo::application::Services;
use mambogo_functions::config::TokenKeys;
use mambogo_functions::verifier::Verifier;
use mambogo_functions::{endpoint, handle, FunctionContext};
use mambogo_local::{build_shop, LocalConfig, TestHooks};
use serde_json::Value;

/// A fresh shop with the demo catalog, on the embedded adapters the local shop uses.
async fn shop() -> Arc<Services> {
    // Nothing listens: the mock gateway's webhooks go nowhere, and no fixture needs one.
    let config = LocalConfig::ephemeral();
    build_shop(&config, TestHooks::default(), config.listen)
        .await
        .expect("the embedded shop builds")
        .services
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Checks the problem+json shape and returns the fields named in `errors`.
    fn problem_fields(&self) -> Vec<String> {
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        assert_eq!(self.body["status"], self.status.as_u16());
        assert!(self.body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:mambogo:problem:"));
        assert!(self.body["title"].is_string());
        assert!(self.body["detail"].is_string());
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|error| error["field"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn answer_of(response: Response<Body>) -> Answer {
    let (parts, body) = response.into_parts();
    let body = match body {
        Body::Empty => Value::Null,
        Body::Text(text) => serde_json::from_str(&text).unwrap(),
        other => panic!("expected a JSON text body, got {other:?}"),
    };
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// Sends the fixture `name` to the function for `operation_id`.
async fn invoke(
    services: &Arc<Services>,
    operation_id: &str,
    handler: Endpoint,
    name: &str,
) -> Answer {
    invoke_as(services, operation_id, handler, fixture(name)).await
}

/// The API Gateway event in the fixture `name`, as the runtime hands it over.
fn fixture(name: &str) -> Request {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "fixtures", name]
        .iter()
        .collect();
    let event = std::fs::read_to_string(&path).unwrap();
    lambda_http::request::from_str(&event)
        .unwrap_or_else(|error| panic!("{name} is not an API Gateway event: {error}"))
}

/// Sends `request` to the function for `operation_id`.
async fn invoke_as(
    services: &Arc<Services>,
    operation_id: &str,
    handler: Endpoint,
    request: Request,
) -> Answer {
    let function = Manifest::embedded()
        .unwrap()
        .by_operation(operation_id)
        .unwrap();
    let services = Arc::new(services.restricted_to(function));
    let context = FunctionContext::new(
        operation_id,
        handler,
        services,
        Verifier::new(TokenKeys::None),
    )
    .unwrap();
    answer_of(handle(&context, request).await)
}

const LIST_PRODUCTS: Endpoint = endpoint!(mambogo::api::catalog_routes::list_products);
const GET_PRODUCT: Endpoint = endpoint!(mambogo::api::catalog_routes::get_product);
const CREATE_PRODUCT: Endpoint = endpoint!(mambogo::api::admin_catalog::create_product);
const GET_CART: Endpoint = endpoint!(mambogo::api::cart_routes::get_cart);
const ADD_CART_ITEM: Endpoint = endpoint!(mambogo::api::cart_routes::add_cart_item);

#[tokio::test]
async fn products_are_listed_with_the_query_string() {
    let services = shop().await;
    let answer = invoke(
        &services,
        "listProducts",
        LIST_PRODUCTS,
        "list-products-query.json",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("x-request-id"), Some("HqT01gL2joAMEbw="));
    let items = answer.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "limit=3");
    assert!(answer.body["total"].as_u64().unwrap() > 3);
    assert!(answer.body["nextCursor"].is_string());
    let audio = ["headphones", "speakers"];
    assert!(items
        .iter()
        .all(|item| audio.contains(&item["categoryId"].as_str().unwrap())));
    let prices: Vec<i64> = items
        .iter()
        .map(|item| item["price"]["amount"].as_i64().unwrap())
        .collect();
    assert!(
        prices.windows(2).all(|pair| pair[0] <= pair[1]),
        "sort=price: {prices:?}"
    );
}

#[tokio::test]
async fn a_product_is_read_by_its_path_parameter() {
    let services = shop().await;
    let answer = invoke(&services, "getProduct", GET_PRODUCT, "get-product.json").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["id"], "prod_0002");
    assert_eq!(answer.body["variants"][0]["sku"], "MB-0002-BLK");
}

#[tokio::test]
async fn an_unknown_product_is_a_404_problem() {
    let services = shop().await;
    let answer = invoke(
        &services,
        "getProduct",
        GET_PRODUCT,
        "get-product-unknown.json",
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    answer.problem_fields();
    assert_eq!(answer.body["type"], "urn:mambogo:problem:not-found");
    assert!(answer.body["detail"]
        .as_str()
        .unwrap()
        .contains("prod_9999"));
}

#[tokio::test]
async fn a_signed_in_user_adds_to_and_reads_their_own_cart() {
    let services = shop().await;
    let added = invoke(
        &services,
        "addCartItem",
        ADD_CART_ITEM,
        "add-cart-item-signed-in.json",
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    assert_eq!(added.body["owner"], "user");
    assert_eq!(added.header("x-cart-id"), None, "users need no cart id");

    let cart = invoke(&services, "getCart", GET_CART, "get-cart-signed-in.json").await;
    assert_eq!(cart.status, StatusCode::OK, "{}", cart.body);
    assert_eq!(cart.body["owner"], "user");
    assert_eq!(cart.body["id"], added.body["id"]);
    let lines = cart.body["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["sku"], "MB-0002-BLK");
    assert_eq!(lines[0]["quantity"], 2);
}

#[tokio::test]
async fn a_guest_gets_a_cart_id() {
    let services = shop().await;
    let answer = invoke(
        &services,
        "addCartItem",
        ADD_CART_ITEM,
        "add-cart-item-guest.json",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["owner"], "guest");
    let cart_id = answer.header("x-cart-id").expect("a guest cart id");
    assert_eq!(answer.body["id"], cart_id);
    assert_eq!(answer.body["lines"][0]["quantity"], 1);
}

#[tokio::test]
async fn a_base64_encoded_body_is_decoded() {
    let services = shop().await;
    let answer = invoke(
        &services,
        "addCartItem",
        ADD_CART_ITEM,
        "add-cart-item-base64.json",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body["lines"][0]["sku"], "MB-0002-BLK");
    assert_eq!(answer.body["lines"][0]["quantity"], 3);
}

#[tokio::test]
async fn malformed_json_is_a_400_naming_the_body() {
    let services = shop().await;
    let answer = invoke(
        &services,
        "addCartItem",
        ADD_CART_ITEM,
        "add-cart-item-malformed.json",
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.problem_fields(), ["body"]);
}

#[tokio::test]
async fn quantity_51_is_a_422_naming_the_quantity() {
    let services = shop().await;
    let answer = invoke(
        &services,
        "addCartItem",
        ADD_CART_ITEM,
        "add-cart-item-quantity-51.json",
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer.problem_fields(), ["quantity"]);
}

#[tokio::test]
async fn only_admins_create_products() {
    let services = shop().await;
    let created = invoke(
        &services,
        "createProduct",
        CREATE_PRODUCT,
        "create-product-admin.json",
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.body["id"].as_str().unwrap();
    assert!(id.starts_with("prod_"), "{id}");
    assert_eq!(
        created.header("location"),
        Some(format!("/products/{id}").as_str())
    );
    assert_eq!(created.body["variants"][0]["sku"], "SN-STUDIO-X-BLK");

    let refused = invoke(
        &services,
        "createProduct",
        CREATE_PRODUCT,
        "create-product-shopper.json",
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    refused.problem_fields();
    assert_eq!(refused.body["type"], "urn:mambogo:problem:forbidden");
}

#[tokio::test]
async fn a_token_nobody_can_verify_is_refused() {
    let services = shop().await;
    let answer = invoke(
        &services,
        "getCart",
        GET_CART,
        "get-cart-unverified-token.json",
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    answer.problem_fields();
    assert_eq!(answer.header("www-authenticate"), Some("Bearer"));
}

const PLACE_ORDER: Endpoint = endpoint!(mambogo::api::checkout_routes::place_order);

#[tokio::test]
async fn a_signed_in_checkout_is_accepted_once_per_idempotency_key() {
    let services = shop().await;
    let added = invoke(
        &services,
        "addCartItem",
        ADD_CART_ITEM,
        "add-cart-item-signed-in.json",
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let accepted = invoke(
        &services,
        "placeOrder",
        PLACE_ORDER,
        "place-order-signed-in.json",
    )
    .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    assert_eq!(accepted.body["status"], "PENDING");
    let order_id = accepted.body["orderId"].as_str().unwrap();
    assert_eq!(
        accepted.header("location"),
        Some(format!("/orders/{order_id}").as_str())
    );
    let replayed = invoke(
        &services,
        "placeOrder",
        PLACE_ORDER,
        "place-order-signed-in.json",
    )
    .await;
    assert_eq!(replayed.status, StatusCode::ACCEPTED);
    assert_eq!(replayed.body, accepted.body);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
}

/// The X-Ray trace Lambda's active tracing runs an invocation in.
const XRAY_TRACE: &str =
    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

/// `request` as Lambda hands it to a function traced by X-Ray.
fn traced_by_xray(request: Request) -> Request {
    let mut context = Context::default();
    context.xray_trace_id = Some(XRAY_TRACE.to_owned());
    request.with_lambda_context(context)
}

#[tokio::test]
async fn a_request_without_traceparent_is_correlated_by_its_xray_trace() {
    let services = shop().await;
    let request = traced_by_xray(fixture("get-product.json"));
    let answer = invoke_as(&services, "getProduct", GET_PRODUCT, request).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.header("x-correlation-id"),
        Some("5759e988bd862e3fe1be46a994272793")
    );

    let mut request = traced_by_xray(fixture("get-product.json"));
    request.headers_mut().insert(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    let answer = invoke_as(&services, "getProduct", GET_PRODUCT, request).await;
    assert_eq!(
        answer.header("x-correlation-id"),
        Some("4bf92f3577b34da6a3ce929d0e0e4736"),
        "the sender's trace comes first"
    );
}
