//! Pricing an order, here and nowhere else: each line at its variant's price of the
//! moment (the sale price within its window, [`Variant::price_at`]) or a flash sale's
//! price, then subtotal + shipping + tax = total.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::OrderLine;
use crate::domain::cart::Cart;
use crate::domain::catalog::{Product, Variant};
use crate::domain::ids::{ProductId, Sku};
use crate::domain::money::{Currency, Money, MoneyError};

/// What an order costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub subtotal: Money,
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
    /// Totals for line totals summing to `subtotal`. Tax is rounded half up to the minor unit.
    pub fn totals(&self, subtotal: Money) -> Result<Totals, MoneyError> {
        let currency = subtotal.currency;
        let shipping = if subtotal.amount >= self.free_shipping_from || subtotal.amount == 0 {
            0
        } else {
            self.flat_shipping
        };
        let tax = subtotal
            .amount
            .checked_mul(self.tax_basis_points)
            .and_then(|scaled| scaled.checked_add(5_000))
            .map(|rounded| rounded / 10_000)
            .ok_or(MoneyError::Overflow)?;
        let shipping = Money::new(shipping, currency);
        let tax = Money::new(tax, currency);
        let total = subtotal.checked_add(shipping)?.checked_add(tax)?;
        Ok(Totals {
            subtotal,
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

/// `cart` priced at `now` under `rules` in `currency`: each line at its variant's price
/// of the moment, or at `sale`'s price for the sale's SKU; `products` holds every product
/// the cart names that still exists.
pub fn price_cart_for_order(
    cart: &Cart,
    products: &HashMap<ProductId, Product>,
    sale: Option<(&Sku, Money)>,
    rules: &PricingRules,
    currency: Currency,
    now: OffsetDateTime,
) -> Result<PricedCart, MoneyError> {
    let mut lines = Vec::with_capacity(cart.lines.len());
    let mut unavailable = Vec::new();
    let mut subtotal = Money::zero(currency);
    for line in &cart.lines {
        let variant: Option<&Variant> = products
            .get(&line.product_id)
            .filter(|product| product.active)
            .and_then(|product| product.variant(&line.sku));
        let Some(variant) = variant else {
            unavailable.push(line.sku.clone());
            continue;
        };
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
        });
    }
    Ok(PricedCart {
        lines,
        totals: rules.totals(subtotal)?,
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
            .totals(Money::new(1_999, Currency::USD))
            .unwrap();
        assert_eq!(totals.shipping.amount, 599);
        assert_eq!(totals.tax.amount, 160); // 159.92 rounds to 160
        assert_eq!(totals.total.amount, 1_999 + 599 + 160);
    }

    #[test]
    fn large_orders_ship_free() {
        let totals = PricingRules::default()
            .totals(Money::new(5_000, Currency::USD))
            .unwrap();
        assert_eq!(totals.shipping.amount, 0);
        assert_eq!(totals.tax.amount, 400);
        assert_eq!(totals.total.amount, 5_400);
    }

    #[test]
    fn half_a_cent_of_tax_rounds_up() {
        let rules = PricingRules {
            tax_basis_points: 50,
            ..PricingRules::default()
        };
        assert_eq!(
            rules
                .totals(Money::new(100, Currency::USD))
                .unwrap()
                .tax
                .amount,
            1
        ); // 0.5 → 1
    }
}
