//! Order totals: subtotal + shipping + tax, computed here and nowhere else.

use serde::{Deserialize, Serialize};

use crate::domain::money::{Money, MoneyError};

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
