//! Carts as shoppers use them. A signed-in user always works on their own cart, whose id
//! follows from the user; a guest names theirs by the id the first add handed out. Every
//! change is a read-modify-write on the cart's version, retried when another request
//! changed the cart first.

use std::collections::HashMap;

use crate::application::catalog::availability;
use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::cart::{price_cart, Cart, CartOwner, CartView, MAX_LINE_QUANTITY};
use crate::domain::catalog::Product;
use crate::domain::ids::{CartId, CartItemId, ProductId, Sku, UserId};
use crate::domain::store::retry_on_conflict;
use crate::domain::validation::FieldError;

/// Which cart a request is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CartRef {
    /// The signed-in user's cart.
    User(UserId),
    /// A guest's cart, if they sent its id.
    Guest(Option<CartId>),
}

/// A cart as the shopper sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ShownCart {
    /// Priced against the current catalog and stock.
    pub view: CartView,
    /// A guest cart's id, to hand back to the guest; `None` for a user's cart.
    pub guest_id: Option<CartId>,
}

/// What merging a guest cart into a user's cart did.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    /// The user's cart afterwards.
    pub view: CartView,
    /// SKUs of the guest cart that did not fit (the line or cart limits).
    pub skus_not_merged: Vec<Sku>,
}

fn check_quantity(quantity: u32) -> Result<(), ShopError> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(ShopError::Invalid(vec![FieldError::new(
            "quantity",
            format!("must be from 1 to {MAX_LINE_QUANTITY}"),
        )]))
    }
}

/// Reads a guest cart and checks that it is a guest's.
async fn guest_cart(services: &Services, id: &CartId) -> Result<Cart, ShopError> {
    let cart = services
        .carts
        .cart(id, services.clock.now())
        .await?
        .ok_or_else(|| ShopError::Missing(format!("no cart {id}; it may have expired")))?;
    match cart.owner {
        CartOwner::Guest => Ok(cart),
        CartOwner::User(_) => Err(ShopError::Forbidden(
            "this cart belongs to a signed-in user".into(),
        )),
    }
}

/// The cart `reference` names, if it exists.
async fn load(services: &Services, reference: &CartRef) -> Result<Option<Cart>, ShopError> {
    match reference {
        CartRef::User(user) => {
            let cart = services
                .carts
                .cart(&CartId::for_user(user), services.clock.now())
                .await?;
            Ok(cart.filter(|cart| cart.owner == CartOwner::User(user.clone())))
        }
        CartRef::Guest(None) => Ok(None),
        CartRef::Guest(Some(id)) => guest_cart(services, id).await.map(Some),
    }
}

/// The cart `reference` names, or a new empty one.
async fn load_or_new(services: &Services, reference: &CartRef) -> Result<Cart, ShopError> {
    if let Some(cart) = load(services, reference).await? {
        return Ok(cart);
    }
    let now = services.clock.now();
    Ok(match reference {
        CartRef::User(user) => {
            Cart::new(CartId::for_user(user), CartOwner::User(user.clone()), now)
        }
        CartRef::Guest(_) => Cart::new(
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
) -> Result<Cart, ShopError>
where
    F: Fn(&mut Cart) -> Result<(), ShopError>,
{
    retry_on_conflict(|| async {
        let mut cart = load_or_new(services, reference).await?;
        change(&mut cart)?;
        let now = services.clock.now();
        cart.touch(now);
        services.carts.save(&cart, now).await?;
        Ok(cart)
    })
    .await
    .map_err(|error: ShopError| error.busy_if_lost("the cart"))
}

/// The products `cart`'s lines name that still exist, by id.
pub(crate) async fn cart_products(
    services: &Services,
    cart: &Cart,
) -> Result<HashMap<ProductId, Product>, ShopError> {
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

/// The shopper's view of `cart`, priced against the current catalog and stock.
async fn view(services: &Services, cart: &Cart) -> Result<CartView, ShopError> {
    let products = cart_products(services, cart).await?;
    view_with(services, cart, &products).await
}

/// The shopper's view of `cart`, priced against `products` (its [`cart_products`],
/// already read) and the current stock.
pub(crate) async fn view_with(
    services: &Services,
    cart: &Cart,
    products: &HashMap<ProductId, Product>,
) -> Result<CartView, ShopError> {
    let skus: Vec<_> = cart.lines.iter().map(|line| line.sku.clone()).collect();
    let available = availability(services, Some(&skus)).await?;
    Ok(price_cart(
        cart,
        products,
        &available,
        services.currency,
        services.clock.now(),
    ))
}

async fn shown(services: &Services, cart: &Cart) -> Result<ShownCart, ShopError> {
    Ok(ShownCart {
        view: view(services, cart).await?,
        guest_id: (cart.owner == CartOwner::Guest).then_some(cart.id),
    })
}

/// The cart `reference` names with current prices and flags; an empty one when there is
/// none yet.
pub async fn get_cart(services: &Services, reference: &CartRef) -> Result<ShownCart, ShopError> {
    match load(services, reference).await? {
        Some(cart) => shown(services, &cart).await,
        None => {
            let owner = match reference {
                CartRef::User(user) => CartOwner::User(user.clone()),
                CartRef::Guest(_) => CartOwner::Guest,
            };
            Ok(ShownCart {
                view: CartView::empty(&owner, services.currency),
                guest_id: None,
            })
        }
    }
}

/// Adds `quantity` of `sku` (to its line, if the cart has one); creates the cart.
pub async fn add_item(
    services: &Services,
    reference: &CartRef,
    sku: &Sku,
    quantity: u32,
) -> Result<ShownCart, ShopError> {
    check_quantity(quantity)?;
    let product = services
        .catalog
        .product_by_sku(sku)
        .await?
        .filter(|product| product.active)
        .ok_or_else(|| {
            ShopError::Invalid(vec![FieldError::new(
                "sku",
                format!("no product on sale has SKU {sku}"),
            )])
        })?;
    let variant = product.variant(sku).ok_or_else(|| {
        ShopError::Internal(format!("SKU {sku} claimed by {} but not in it", product.id))
    })?;
    let cart = change_cart(services, reference, |cart| {
        let new_item_id = CartItemId::from_uuid(services.ids.next_uuid());
        cart.add(
            new_item_id,
            &product,
            variant,
            quantity,
            services.clock.now(),
        )?;
        Ok(())
    })
    .await?;
    shown(services, &cart).await
}

/// Fails with [`ShopError::Missing`] when the caller has no cart yet, instead of making one.
async fn require_cart(services: &Services, reference: &CartRef) -> Result<(), ShopError> {
    match load(services, reference).await? {
        Some(_) => Ok(()),
        None => Err(ShopError::Missing(
            "there is no cart yet; add an item first".into(),
        )),
    }
}

/// Sets the quantity of the line `item`.
pub async fn set_quantity(
    services: &Services,
    reference: &CartRef,
    item: CartItemId,
    quantity: u32,
) -> Result<ShownCart, ShopError> {
    check_quantity(quantity)?;
    require_cart(services, reference).await?;
    let cart = change_cart(services, reference, |cart| {
        Ok(cart.set_quantity(item, quantity)?)
    })
    .await?;
    shown(services, &cart).await
}

/// Removes the line `item`.
pub async fn remove_item(
    services: &Services,
    reference: &CartRef,
    item: CartItemId,
) -> Result<ShownCart, ShopError> {
    require_cart(services, reference).await?;
    let cart = change_cart(services, reference, |cart| Ok(cart.remove(item)?)).await?;
    shown(services, &cart).await
}

/// On sign-in, folds the guest cart `guest_id` into `user`'s cart and deletes the guest
/// cart, in one transaction.
pub async fn merge_guest_cart(
    services: &Services,
    user: &UserId,
    guest_id: &CartId,
) -> Result<Merged, ShopError> {
    let reference = CartRef::User(user.clone());
    let (cart, outcome) = retry_on_conflict(|| async {
        let guest = guest_cart(services, guest_id).await?;
        let mut cart = load_or_new(services, &reference).await?;
        let outcome = cart.merge(&guest);
        let now = services.clock.now();
        cart.touch(now);
        services.carts.save_merged(&cart, &guest, now).await?;
        Ok((cart, outcome))
    })
    .await
    .map_err(|error: ShopError| error.busy_if_lost("the carts"))?;
    Ok(Merged {
        view: view(services, &cart).await?,
        skus_not_merged: outcome.skus_not_merged,
    })
}
