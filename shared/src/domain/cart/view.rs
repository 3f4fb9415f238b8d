//! The cart as a shopper sees it: current prices, and what changed since they added it.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::{Cart, CartOwner};
use crate::domain::catalog::{Availability, Product};
use crate::domain::ids::{CartId, CartItemId, ProductId, Sku};
use crate::domain::money::{Currency, Money};

/// One line with its current state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CartLineView {
    pub item_id: CartItemId,
    pub product_id: ProductId,
    pub sku: Sku,
    pub name: String,
    pub quantity: u32,
    /// What one unit costs now (the price when added, if the product is gone).
    pub unit_price: Money,
    pub price_when_added: Money,
    pub price_changed: bool,
    /// False when the product was deactivated or the SKU removed.
    pub available: bool,
    /// False when fewer units are in stock than the line holds.
    pub in_stock: bool,
    pub line_total: Money,
}

/// A cart with current prices and a subtotal over the lines that can be bought.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CartView {
    /// Absent until the first item is added.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<CartId>,
    pub owner: &'static str,
    pub lines: Vec<CartLineView>,
    pub item_count: u32,
    pub subtotal: Money,
    /// True when any line's price changed or it became unavailable.
    pub needs_attention: bool,
    #[serde(
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub expires_at: Option<OffsetDateTime>,
}

impl CartView {
    /// The view of a cart that does not exist yet.
    pub fn empty(owner: &CartOwner, currency: Currency) -> Self {
        CartView {
            id: None,
            owner: owner_label(owner),
            lines: Vec::new(),
            item_count: 0,
            subtotal: Money::zero(currency),
            needs_attention: false,
            expires_at: None,
        }
    }
}

fn owner_label(owner: &CartOwner) -> &'static str {
    match owner {
        CartOwner::Guest => "guest",
        CartOwner::User(_) => "user",
    }
}

/// Prices `cart` against the current catalog (`products` holds every product it names
/// that still exists) at the prices of `now`, and stock (`available`). Totals saturate
/// rather than overflow: a cart's limits keep real totals far below `i64::MAX`.
pub fn price_cart(
    cart: &Cart,
    products: &HashMap<ProductId, Product>,
    available: &Availability,
    currency: Currency,
    now: OffsetDateTime,
) -> CartView {
    let mut subtotal = Money::zero(currency);
    let mut item_count = 0;
    let mut needs_attention = false;
    let lines = cart
        .lines
        .iter()
        .map(|line| {
            let variant = products
                .get(&line.product_id)
                .filter(|product| product.active)
                .and_then(|product| product.variant(&line.sku));
            let unit_price = variant.map_or(line.unit_price, |v| v.price_at(now));
            let sold_here = variant.is_some();
            let price_changed = unit_price != line.unit_price;
            let line_total = unit_price
                .times(line.quantity)
                .unwrap_or(Money::new(i64::MAX, unit_price.currency));
            if sold_here && unit_price.currency == currency {
                subtotal.amount = subtotal.amount.saturating_add(line_total.amount);
                item_count += line.quantity;
            }
            needs_attention |= price_changed || !sold_here;
            CartLineView {
                item_id: line.item_id,
                product_id: line.product_id.clone(),
                sku: line.sku.clone(),
                name: line.name.clone(),
                quantity: line.quantity,
                unit_price,
                price_when_added: line.unit_price,
                price_changed,
                available: sold_here,
                in_stock: variant.is_some_and(|v| {
                    available
                        .get(&v.sku)
                        .is_some_and(|units| *units >= i64::from(line.quantity))
                }),
                line_total,
            }
        })
        .collect();
    CartView {
        id: Some(cart.id),
        owner: owner_label(&cart.owner),
        lines,
        item_count,
        subtotal,
        needs_attention,
        expires_at: Some(cart.expires_at),
    }
}
