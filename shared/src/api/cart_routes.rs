//! Cart routes. A signed-in user always works on their own cart; a guest names theirs
//! with `X-Cart-Id`, which the first `POST /cart/items` hands out.

use std::collections::HashMap;

use serde::Deserialize;

use super::{ApiError, ApiRequest, ApiResponse};
use crate::application::Services;
use crate::domain::cart::{price_cart, Cart, CartOwner, CartView, MAX_LINE_QUANTITY};
use crate::domain::catalog::Product;
use crate::domain::ids::{CartId, CartItemId, ProductId, Sku};

/// The header a guest's cart id travels in, both ways.
pub const CART_ID_HEADER: &str = "x-cart-id";
/// How often a cart change is retried when another request changed the cart first.
const WRITE_ATTEMPTS: usize = 3;

/// Which cart a request is about.
enum CartRef {
    /// The signed-in user's cart.
    User(CartOwner),
    /// A guest's cart, if they sent its id.
    Guest(Option<CartId>),
}

fn cart_ref(request: &ApiRequest) -> Result<CartRef, ApiError> {
    if let Some(user) = request.caller.user() {
        return Ok(CartRef::User(CartOwner::User(user.id.clone())));
    }
    guest_cart_id(request).map(CartRef::Guest)
}

fn guest_cart_id(request: &ApiRequest) -> Result<Option<CartId>, ApiError> {
    request
        .header(CART_ID_HEADER)
        .map(|raw| {
            CartId::parse(raw).map_err(|error| ApiError::malformed("X-Cart-Id", error.to_string()))
        })
        .transpose()
}

/// Reads a guest cart and checks that it is a guest's.
async fn load_guest_cart(services: &Services, id: &CartId) -> Result<Cart, ApiError> {
    let cart = services
        .carts
        .cart(id, services.clock.now())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no cart {id}; it may have expired")))?;
    match cart.owner {
        CartOwner::Guest => Ok(cart),
        CartOwner::User(_) => Err(ApiError::Forbidden(
            "this cart belongs to a signed-in user".into(),
        )),
    }
}

/// The cart `reference` names, if it exists.
async fn load(services: &Services, reference: &CartRef) -> Result<Option<Cart>, ApiError> {
    match reference {
        CartRef::User(owner @ CartOwner::User(user)) => {
            let cart = services
                .carts
                .cart(&CartId::for_user(user), services.clock.now())
                .await?;
            Ok(cart.filter(|cart| &cart.owner == owner))
        }
        CartRef::User(CartOwner::Guest) | CartRef::Guest(None) => Ok(None),
        CartRef::Guest(Some(id)) => load_guest_cart(services, id).await.map(Some),
    }
}

/// The cart `reference` names, or a new empty one.
async fn load_or_new(services: &Services, reference: &CartRef) -> Result<Cart, ApiError> {
    if let Some(cart) = load(services, reference).await? {
        return Ok(cart);
    }
    let now = services.clock.now();
    Ok(match reference {
        CartRef::User(owner @ CartOwner::User(user)) => {
            Cart::new(CartId::for_user(user), owner.clone(), now)
        }
        _ => Cart::new(
            CartId::from_uuid(services.ids.next_uuid()),
            CartOwner::Guest,
            now,
        ),
    })
}

/// Reads, changes and conditionally writes a cart, starting over when another request
/// wrote it in between.
async fn change_cart<F>(
    services: &Services,
    reference: &CartRef,
    change: F,
) -> Result<Cart, ApiError>
where
    F: Fn(&mut Cart) -> Result<(), ApiError>,
{
    for _ in 0..WRITE_ATTEMPTS {
        let mut cart = load_or_new(services, reference).await?;
        change(&mut cart)?;
        let now = services.clock.now();
        cart.touch(now);
        match services.carts.save(&cart, now).await {
            Ok(()) => return Ok(cart),
            Err(crate::domain::store::StoreError::Conflict) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::Conflict(
        "the cart is being changed by another request; try again".into(),
    ))
}

/// The products `cart`'s lines name that still exist, by id.
pub(super) async fn cart_products(
    services: &Services,
    cart: &Cart,
) -> Result<HashMap<ProductId, Product>, ApiError> {
    let ids: Vec<_> = cart
        .lines
        .iter()
        .map(|line| line.product_id.clone())
        .collect();
    Ok(services
        .catalog
        .products(&ids)
        .await?
        .into_iter()
        .map(|product| (product.id.clone(), product))
        .collect())
}

/// The shopper's view of `cart`, priced against the current catalog.
async fn view(services: &Services, cart: &Cart) -> Result<CartView, ApiError> {
    let products = cart_products(services, cart).await?;
    let skus: Vec<_> = cart.lines.iter().map(|line| line.sku.clone()).collect();
    let available = super::catalog_routes::availability(services, Some(&skus)).await?;
    Ok(price_cart(cart, &products, &available, services.currency))
}

async fn respond_with(services: &Services, cart: &Cart) -> Result<ApiResponse, ApiError> {
    let response = ApiResponse::ok(&view(services, cart).await?);
    Ok(match cart.owner {
        CartOwner::Guest => response.with_header(CART_ID_HEADER, &cart.id.to_string()),
        CartOwner::User(_) => response,
    })
}

fn check_quantity(quantity: u32) -> Result<(), ApiError> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "quantity",
            format!("must be from 1 to {MAX_LINE_QUANTITY}"),
        ))
    }
}

/// `GET /cart`: the caller's cart with current prices and flags.
pub async fn get_cart(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let reference = cart_ref(&request)?;
    match load(services, &reference).await? {
        Some(cart) => respond_with(services, &cart).await,
        None => {
            let owner = match reference {
                CartRef::User(owner) => owner,
                CartRef::Guest(_) => CartOwner::Guest,
            };
            Ok(ApiResponse::ok(&CartView::empty(&owner, services.currency)))
        }
    }
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
    check_quantity(item.quantity)?;
    let product = services
        .catalog
        .product_by_sku(&item.sku)
        .await?
        .filter(|product| product.active)
        .ok_or_else(|| {
            ApiError::invalid("sku", format!("no product on sale has SKU {}", item.sku))
        })?;
    let variant = product.variant(&item.sku).ok_or_else(|| {
        ApiError::Internal(format!(
            "SKU {} claimed by {} but not in it",
            item.sku, product.id
        ))
    })?;
    let cart = change_cart(services, &reference, |cart| {
        let new_item_id = CartItemId::from_uuid(services.ids.next_uuid());
        cart.add(
            new_item_id,
            &product,
            variant,
            item.quantity,
            services.clock.now(),
        )?;
        Ok(())
    })
    .await?;
    respond_with(services, &cart).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuantityChange {
    quantity: u32,
}

/// Fails with 404 when the caller has no cart yet, instead of creating one.
async fn require_cart(services: &Services, reference: &CartRef) -> Result<(), ApiError> {
    match load(services, reference).await? {
        Some(_) => Ok(()),
        None => Err(ApiError::NotFound(
            "there is no cart yet; add an item first".into(),
        )),
    }
}

/// `PUT /cart/items/{itemId}`: sets a line's quantity.
pub async fn update_cart_item(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let reference = cart_ref(&request)?;
    let item_id = request.path_id("itemId", CartItemId::parse)?;
    let change: QuantityChange = request.json_body()?;
    check_quantity(change.quantity)?;
    require_cart(services, &reference).await?;
    let cart = change_cart(services, &reference, |cart| {
        Ok(cart.set_quantity(item_id, change.quantity)?)
    })
    .await?;
    respond_with(services, &cart).await
}

/// `DELETE /cart/items/{itemId}`: removes a line.
pub async fn remove_cart_item(
    services: &Services,
    request: ApiRequest,
) -> Result<ApiResponse, ApiError> {
    let reference = cart_ref(&request)?;
    let item_id = request.path_id("itemId", CartItemId::parse)?;
    require_cart(services, &reference).await?;
    let cart = change_cart(services, &reference, |cart| Ok(cart.remove(item_id)?)).await?;
    respond_with(services, &cart).await
}

/// `POST /cart/merge`: on sign-in, folds the guest cart named by `X-Cart-Id` into the
/// user's cart and deletes the guest cart, in one transaction.
pub async fn merge_cart(services: &Services, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let user = request
        .caller
        .user()
        .ok_or_else(|| ApiError::Unauthorized("sign in to merge a guest cart".into()))?;
    let guest_id = guest_cart_id(&request)?
        .ok_or_else(|| ApiError::malformed("X-Cart-Id", "the guest cart's id is required"))?;
    let reference = CartRef::User(CartOwner::User(user.id.clone()));
    for _ in 0..WRITE_ATTEMPTS {
        let guest = load_guest_cart(services, &guest_id).await?;
        let mut cart = load_or_new(services, &reference).await?;
        let outcome = cart.merge(&guest);
        let now = services.clock.now();
        cart.touch(now);
        match services.carts.save_merged(&cart, &guest, now).await {
            Ok(()) => {
                let mut body = serde_json::to_value(view(services, &cart).await?)
                    .map_err(|error| ApiError::Internal(error.to_string()))?;
                body["skusNotMerged"] = serde_json::json!(outcome.skus_not_merged);
                return Ok(ApiResponse::ok(&body));
            }
            Err(crate::domain::store::StoreError::Conflict) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::Conflict(
        "the carts are being changed by another request; try again".into(),
    ))
}
