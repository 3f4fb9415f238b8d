//! Pricing an order, here and nowhere else, in this order: each line at its variant's
//! price of the moment (the sale price within its window, [`Variant::price_at`]) or a
//! flash sale's price; then a coupon's discount, spread over the lines it applies to
//! ([`spread_discount`]); then shipping and tax on what the goods cost after the
//! discount; then the total.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::OrderLine;
use crate::domain::cart::Cart;
use crate::domain::catalog::{Product, Variant};
use crate::domain::coupons::{spread_discount, Coupon, CouponRefused, DiscountedLine};
use crate::domain::ids::{ProductId, Sku};
use crate::domain::money::{Currency, Money, MoneyError};

/// What an order costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub subtotal: Money,
    /// What a coupon took off the subtotal; absent without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    pub shipping: Money,
    pub tax: Money,
    pub total: Money,
}

/// The shop's shipping and tax rules, in minor units and basis points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PricingRules {
    /// Shipping charged below the free-shipping threshold.
    pub flat_shipping: i64,
    /// Subtotals at or above this ship free.
    pub free_shipping_from: i64,
    /// Tax on the subtotal, in hundredths of a percent (825 = 8.25 %).
    pub tax_basis_points: i64,
}

impl Default for PricingRules {
    fn default() -> Self {
        PricingRules {
            flat_shipping: 599,
            free_shipping_from: 5_000,
            tax_basis_points: 800,
        }
    }
}

impl PricingRules {
    /// Totals for line totals summing to `subtotal`, of which a coupon takes `discount`
    /// (at most the subtotal). Shipping and tax are on what the goods cost after the
    /// discount; tax is rounded half up to the minor unit.
    pub fn totals(&self, subtotal: Money, discount: i64) -> Result<Totals, MoneyError> {
        let currency = subtotal.currency;
        let goods = subtotal
            .amount
            .checked_sub(discount)
            .filter(|goods| (0..=subtotal.amount).contains(goods))
            .ok_or(MoneyError::Overflow)?;
        let shipping = if goods >= self.free_shipping_from || subtotal.amount == 0 {
            0
        } else {
            self.flat_shipping
        };
        let tax = goods
            .checked_mul(self.tax_basis_points)
            .and_then(|scaled| scaled.checked_add(5_000))
            .map(|rounded| rounded / 10_000)
            .ok_or(MoneyError::Overflow)?;
        let shipping = Money::new(shipping, currency);
        let tax = Money::new(tax, currency);
        let total = Money::new(goods, currency)
            .checked_add(shipping)?
            .checked_add(tax)?;
        Ok(Totals {
            subtotal,
            discount: (discount > 0).then(|| Money::new(discount, currency)),
            shipping,
            tax,
            total,
        })
    }
}

/// A cart priced as an order: the lines still sold and their totals, and the SKUs of the
/// lines that are not (their product gone or withdrawn), which the totals leave out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedCart {
    pub lines: Vec<OrderLine>,
    pub totals: Totals,
    pub unavailable: Vec<Sku>,
}

/// Why a cart could not be priced.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error(transparent)]
    Money(#[from] MoneyError),
    #[error(transparent)]
    Coupon(#[from] CouponRefused),
}

/// What prices a cart besides the catalog: the shop's rules and currency, the moment, a
/// flash sale's SKU at its sale price, a coupon.
#[derive(Clone, Copy, Debug)]
pub struct PriceTerms<'a> {
    pub rules: &'a PricingRules,
    pub currency: Currency,
    pub now: OffsetDateTime,
    pub sale: Option<(&'a Sku, Money)>,
    pub coupon: Option<&'a Coupon>,
}

/// `cart` priced as `terms` say: each line at its variant's price of the moment, or at
/// the sale's price for the sale's SKU, less its share of the coupon's discount;
/// `products` holds every product the cart names that still exists.
pub fn price_cart_for_order(
    cart: &Cart,
    products: &HashMap<ProductId, Product>,
    terms: PriceTerms<'_>,
) -> Result<PricedCart, PricingError> {
    let PriceTerms {
        rules,
        currency,
        now,
        sale,
        coupon,
    } = terms;
    let mut lines = Vec::with_capacity(cart.lines.len());
    let mut unavailable = Vec::new();
    let mut subtotal = Money::zero(currency);
    let mut eligible = Vec::with_capacity(cart.lines.len());
    for line in &cart.lines {
        let product = products
            .get(&line.product_id)
            .filter(|product| product.active);
        let variant: Option<&Variant> = product.and_then(|product| product.variant(&line.sku));
        let (Some(product), Some(variant)) = (product, variant) else {
            unavailable.push(line.sku.clone());
            continue;
        };
        eligible.push(coupon.is_some_and(|coupon| coupon.covers(&line.sku, &product.category_id)));
        let unit_price = match sale {
            Some((sku, sale_price)) if *sku == line.sku => sale_price,
            _ => variant.price_at(now),
        };
        let line_total = unit_price.times(line.quantity)?;
        subtotal = subtotal.checked_add(line_total)?;
        lines.push(OrderLine {
            product_id: line.product_id.clone(),
            sku: line.sku.clone(),
            name: line.name.clone(),
            quantity: line.quantity,
            unit_price,
            line_total,
            discount: None,
        });
    }
    let mut discount = 0;
    if let Some(coupon) = coupon {
        let seen: Vec<DiscountedLine> = lines
            .iter()
            .zip(&eligible)
            .map(|(line, &eligible)| DiscountedLine {
                line_total: line.line_total.amount,
                eligible,
            })
            .collect();
        let shares = spread_discount(coupon, &seen)?;
        for (line, share) in lines.iter_mut().zip(shares) {
            line.discount = (share > 0).then(|| Money::new(share, currency));
            discount += share;
        }
    }
    Ok(PricedCart {
        lines,
        totals: rules.totals(subtotal, discount)?,
        unavailable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    #[test]
    fn small_orders_pay_shipping_and_tax_rounds_half_up() {
        let totals = PricingRules::default()
            .totals(Money::new(1_999, Currency::USD), 0)
            .unwrap();
        assert_eq!(totals.shipping.amount, 599);
        assert_eq!(totals.tax.amount, 160); // 159.92 rounds to 160
        assert_eq!(totals.total.amount, 1_999 + 599 + 160);
    }

    #[test]
    fn large_orders_ship_free() {
        let totals = PricingRules::default()
            .totals(Money::new(5_000, Currency::USD), 0)
            .unwrap();
        assert_eq!(totals.shipping.amount, 0);
        assert_eq!(totals.tax.amount, 400);
        assert_eq!(totals.total.amount, 5_400);
    }

    #[test]
    fn shipping_and_tax_are_on_the_goods_after_the_discount() {
        let totals = PricingRules::default()
            .totals(Money::new(6_000, Currency::USD), 1_500)
            .unwrap();
        assert_eq!(totals.discount, Some(Money::new(1_500, Currency::USD)));
        assert_eq!(
            totals.shipping.amount, 599,
            "4,500 of goods is below free shipping"
        );
        assert_eq!(totals.tax.amount, 360);
        assert_eq!(totals.total.amount, 4_500 + 599 + 360);
        assert!(PricingRules::default()
            .totals(Money::new(100, Currency::USD), 101)
            .is_err());
    }

    #[test]
    fn half_a_cent_of_tax_rounds_up() {
        let rules = PricingRules {
            tax_basis_points: 50,
            ..PricingRules::default()
        };
        assert_eq!(
            rules
                .totals(Money::new(100, Currency::USD), 0)
                .unwrap()
                .tax
                .amount,
            1
        ); // 0.5 → 1
    }
}
