//! Cart routes: which cart a request means (a signed-in user's own, or the guest cart
//! named by `X-Cart-Id`, which the first `POST /cart/items` hands out), handed to
//! [`crate::application::carts`].

use serde::Deserialize;

use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::carts::{self, CartRef, ShownCart};
use crate::application::Services;
use crate::domain::ids::{CartId, CartItemId, Sku};

/// The header a guest's cart id travels in, both ways.
pub const CART_ID_HEADER: &str = "x-cart-id";

fn cart_ref(request: &ApiRequest) -> Result<CartRef, ApiError> {
    // A malformed X-Cart-Id is refused even from a signed-in caller, whose cart it does
    // not choose.
    let guest = guest_cart_id(request)?;
    Ok(match request.caller.user() {
        Some(user) => CartRef::User(user.id.clone()),
        None => CartRef::Guest(guest),
    })
}

fn guest_cart_id(request: &ApiRequest) -> Result<Option<CartId>, ApiError> {
    request
        .header(CART_ID_HEADER)?
        .map(|raw| {
            CartId::parse(raw).map_err(|error| ApiError::malformed("X-Cart-Id", error.to_string()))
        })
        .transpose()
}

fn respond_with(shown: &ShownCart) -> ApiResponse {
    let response = ApiResponse::ok(&shown.view);
    match &shown.guest_id {
        Some(id) => response.with_header(CART_ID_HEADER, &id.to_string()),
        None => response,
    }
}

/// `GET /cart`: the caller's cart with current prices and flags.
pub async fn get_cart(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let reference = cart_ref(&request)?;
    Ok(respond_with(&carts::get_cart(services, &reference).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewItem {
    sku: Sku,
    quantity: u32,
}

/// `POST /cart/items`: adds a SKU (to its line, if the cart has one); creates the cart.
pub async fn add_cart_item(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let reference = cart_ref(&request)?;
    let item: NewItem = request.json_body()?;
    let shown = carts::add_item(services, &reference, &item.sku, item.quantity).await?;
    Ok(respond_with(&shown))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuantityChange {
    quantity: u32,
}

/// `PUT /cart/items/{itemId}`: sets a line's quantity.
pub async fn update_cart_item(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let reference = cart_ref(&request)?;
    let item_id = request.path_id("itemId", CartItemId::parse)?;
    let change: QuantityChange = request.json_body()?;
    let shown = carts::set_quantity(services, &reference, item_id, change.quantity).await?;
    Ok(respond_with(&shown))
}

/// `DELETE /cart/items/{itemId}`: removes a line.
pub async fn remove_cart_item(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let reference = cart_ref(&request)?;
    let item_id = request.path_id("itemId", CartItemId::parse)?;
    Ok(respond_with(
        &carts::remove_item(services, &reference, item_id).await?,
    ))
}

/// `POST /cart/merge`: on sign-in, folds the guest cart named by `X-Cart-Id` into the
/// user's cart and deletes the guest cart, in one transaction.
pub async fn merge_cart(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = request.signed_in("merge a guest cart")?;
    let guest_id = guest_cart_id(&request)?
        .ok_or_else(|| ApiError::malformed("X-Cart-Id", "the guest cart's id is required"))?;
    let merged = carts::merge_guest_cart(services, &user.id, &guest_id).await?;
    let mut body = serde_json::to_value(&merged.view)
        .map_err(|error| ApiError::Internal(error.to_string()))?;
    body["skusNotMerged"] = serde_json::json!(merged.skus_not_merged);
    Ok(ApiResponse::ok(&body))
}
