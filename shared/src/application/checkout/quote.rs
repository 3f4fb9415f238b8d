//! `POST /checkout/quote`: the caller's cart priced as checkout would price it, each line
//! flagged where it changed since it was added, with totals guaranteed for a while; and
//! at checkout, the quote's totals charged as long as they hold.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use crate::application::carts::{cart_products, view_with};
use crate::application::checkout::choices::{addresses, Destination};
use crate::application::coupons::{refused, usable_coupon};
use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::address::Address;
use crate::domain::cart::Cart;
use crate::domain::catalog::Product;
use crate::domain::coupons::Coupon;
use crate::domain::ids::{CartId, CouponCode, ProductId, Sku, UserId};
use crate::domain::money::Money;
use crate::domain::orders::{
    price_cart_for_order, OrderLine, PriceTerms, PricedCart, PricingError, Quote, Totals,
};
use crate::domain::signed::TokenRefused;
use crate::domain::validation::FieldError;

/// One line of a quote, and what changed since it went into the cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteLine {
    pub sku: Sku,
    pub name: String,
    pub quantity: u32,
    pub unit_price: Money,
    pub price_when_added: Money,
    pub line_total: Money,
    /// The line's share of the coupon's discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    /// The price is not the one the line was added at.
    pub price_changed: bool,
    /// The product is gone or withdrawn: the totals leave the line out, and checkout
    /// refuses the cart until it is removed.
    pub unavailable: bool,
    /// Fewer units are in stock than the line holds.
    pub insufficient_stock: bool,
}

/// A quote as the shopper sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteView {
    /// Send it as `quoteId` to check out at these totals.
    pub quote_id: String,
    pub lines: Vec<QuoteLine>,
    /// The coupon's discount, when one was sent.
    pub discounts: Vec<DiscountView>,
    pub totals: Totals,
    pub shipping_address: Address,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_address: Option<Address>,
    #[serde(with = "time::serde::rfc3339")]
    pub price_guaranteed_until: OffsetDateTime,
}

/// A discount of a quote: the coupon, and what it takes off.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiscountView {
    pub coupon_code: CouponCode,
    pub amount: Money,
}

fn invalid(field: &str, message: impl Into<String>) -> ShopError {
    ShopError::Invalid(vec![FieldError::new(field, message)])
}

/// `user`'s cart, refused when there is none or it is empty.
pub(super) async fn filled_cart(services: &Services, user: &UserId) -> Result<Cart, ShopError> {
    services
        .carts
        .cart(&CartId::for_user(user), services.clock.now())
        .await?
        .filter(|cart| !cart.lines.is_empty())
        .ok_or_else(|| invalid("cart", "the cart is empty"))
}

/// `cart` priced for an order at `now`, a flash sale's SKU at `sale`'s price, less
/// `coupon`'s discount; a coupon that applies to nothing here is refused naming why.
pub(super) fn priced(
    services: &Services,
    cart: &Cart,
    products: &HashMap<ProductId, Product>,
    sale: Option<(&Sku, Money)>,
    coupon: Option<&Coupon>,
) -> Result<PricedCart, ShopError> {
    let terms = PriceTerms {
        rules: &services.checkout.pricing,
        currency: services.currency,
        now: services.clock.now(),
        sale,
        coupon,
    };
    price_cart_for_order(cart, products, terms).map_err(|error| match error {
        PricingError::Coupon(reason) => refused(&reason),
        PricingError::Money(error) => invalid("cart", error.to_string()),
    })
}

/// Quotes `user`'s cart, to be sent to `destination`, with the coupon `coupon_code`.
pub async fn quote(
    services: &Services,
    user: &UserId,
    destination: &Destination,
    coupon_code: Option<&str>,
) -> Result<QuoteView, ShopError> {
    let mut errors = Vec::new();
    let addresses = addresses(services, user, destination, &mut errors).await?;
    let (shipping_address, billing_address) = match addresses {
        Some(addresses) if errors.is_empty() => addresses,
        _ => return Err(ShopError::Invalid(errors)),
    };
    let coupon = match coupon_code {
        Some(code) => Some(usable_coupon(services, code).await?),
        None => None,
    };
    let now = services.clock.now();
    let cart = filled_cart(services, user).await?;
    let products = cart_products(services, &cart).await?;
    let view = view_with(services, &cart, &products).await?;
    let priced = priced(services, &cart, &products, None, coupon.as_ref())?;
    let quote = Quote::new(
        user.clone(),
        &cart,
        &priced,
        coupon.as_ref().map(|coupon| coupon.code.clone()),
        now + services.checkout.quote_ttl,
    );
    let discounts = match (&coupon, priced.totals.discount) {
        (Some(coupon), Some(amount)) => vec![DiscountView {
            coupon_code: coupon.code.clone(),
            amount,
        }],
        _ => Vec::new(),
    };
    let discount_of = |sku: &Sku| {
        priced
            .lines
            .iter()
            .find(|line| line.sku == *sku)
            .and_then(|line| line.discount)
    };
    Ok(QuoteView {
        quote_id: quote.sign(&services.checkout.purchase_token_key),
        lines: view
            .lines
            .into_iter()
            .map(|line| QuoteLine {
                discount: discount_of(&line.sku),
                sku: line.sku,
                name: line.name,
                quantity: line.quantity,
                unit_price: line.unit_price,
                price_when_added: line.price_when_added,
                line_total: line.line_total,
                price_changed: line.price_changed,
                unavailable: !line.available,
                insufficient_stock: line.available && !line.in_stock,
            })
            .collect(),
        discounts,
        totals: priced.totals,
        shipping_address,
        billing_address,
        price_guaranteed_until: quote.guaranteed_until(),
    })
}

/// The lines and totals an order of `cart` with `coupon` is charged under the quote
/// `quote_id`: exactly the quoted ones while the quote holds and the cart is the one
/// quoted. Otherwise [`ShopError::QuoteChanged`] with what the cart costs now (`priced`).
pub(super) fn charged_as_quoted(
    services: &Services,
    user: &UserId,
    quote_id: &str,
    coupon: Option<&Coupon>,
    cart: &Cart,
    priced: &PricedCart,
) -> Result<(Vec<OrderLine>, Totals), ShopError> {
    let changed = |detail: &str| ShopError::QuoteChanged {
        detail: format!("{detail}; nothing was reserved: ask for a new quote"),
        totals: priced.totals,
    };
    let quote = match Quote::verify(
        quote_id,
        &services.checkout.purchase_token_key,
        user,
        services.clock.now(),
    ) {
        Ok(quote) => quote,
        Err(TokenRefused::Expired(_)) => return Err(changed("the quote has expired")),
        Err(refused) => return Err(invalid("quoteId", refused.to_string())),
    };
    if quote.coupon.as_ref() != coupon.map(|coupon| &coupon.code) {
        return Err(invalid(
            "couponCode",
            "must be the coupon the quote was made with",
        ));
    }
    let lines = quote
        .locked_lines(cart, priced)
        .ok_or_else(|| changed("the cart changed since it was quoted"))?;
    Ok((lines, quote.totals))
}
