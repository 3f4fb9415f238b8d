//! A checkout quote: what checking out the cart costs now, signed for the shopper and
//! guaranteed until it expires. Checking out with it charges exactly its totals, the
//! lines at the quoted prices, as long as the cart is the one quoted (same cart, same
//! version: any change to the cart voids the quote).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{OrderLine, PricedCart, Totals};
use crate::domain::cart::Cart;
use crate::domain::ids::{CartId, CouponCode, Sku, UserId};
use crate::domain::money::Money;
use crate::domain::signed::{self, SignedClaims, TokenRefused};

/// The audience every quote carries, so no other token of the shop's passes for one.
const AUDIENCE: &str = "mambogo-quote";

/// One quoted line: units of a SKU at a price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotedLine {
    pub sku: Sku,
    pub quantity: u32,
    pub unit_price: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
}

/// What a quote says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// The shopper.
    pub sub: UserId,
    pub cart: CartId,
    pub cart_version: u64,
    /// The coupon the quote was priced with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon: Option<CouponCode>,
    pub lines: Vec<QuotedLine>,
    pub totals: Totals,
    /// Until when the totals are guaranteed, in seconds since the epoch.
    pub exp: i64,
    aud: String,
}

impl SignedClaims for Quote {
    const NAME: &'static str = "quote";
    const AUDIENCE: &'static str = AUDIENCE;

    fn subject(&self) -> &UserId {
        &self.sub
    }

    fn expires_at(&self) -> i64 {
        self.exp
    }
}

impl Quote {
    /// The quote for `shopper` of `cart` as `priced` (with `coupon`), guaranteed until
    /// `guaranteed_until`.
    pub fn new(
        shopper: UserId,
        cart: &Cart,
        priced: &PricedCart,
        coupon: Option<CouponCode>,
        guaranteed_until: OffsetDateTime,
    ) -> Self {
        Quote {
            sub: shopper,
            cart: cart.id,
            cart_version: cart.version,
            coupon,
            lines: priced
                .lines
                .iter()
                .map(|line| QuotedLine {
                    sku: line.sku.clone(),
                    quantity: line.quantity,
                    unit_price: line.unit_price,
                    discount: line.discount,
                })
                .collect(),
            totals: priced.totals,
            exp: guaranteed_until.unix_timestamp(),
            aud: AUDIENCE.to_owned(),
        }
    }

    /// Until when the totals are guaranteed.
    pub fn guaranteed_until(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.exp).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// The quote signed with `key`: its id, as the shopper sends it back.
    pub fn sign(&self, key: &[u8]) -> String {
        signed::sign(self, key)
    }

    /// Reads the quote `id`, checking its signature with `key`, that it is `shopper`'s
    /// and that it still holds at `now`.
    pub fn verify(
        id: &str,
        key: &[u8],
        shopper: &UserId,
        now: OffsetDateTime,
    ) -> Result<Self, TokenRefused> {
        signed::verify(id, key, shopper, now)
    }

    /// The order lines of `priced` (the quoted cart priced again) at the quoted prices;
    /// `None` unless `cart` is the cart quoted and `priced` has exactly its lines.
    pub fn locked_lines(&self, cart: &Cart, priced: &PricedCart) -> Option<Vec<OrderLine>> {
        if cart.id != self.cart
            || cart.version != self.cart_version
            || priced.lines.len() != self.lines.len()
        {
            return None;
        }
        priced
            .lines
            .iter()
            .zip(&self.lines)
            .map(|(line, quoted)| {
                let same = line.sku == quoted.sku && line.quantity == quoted.quantity;
                let line_total = quoted.unit_price.times(quoted.quantity).ok()?;
                same.then(|| OrderLine {
                    unit_price: quoted.unit_price,
                    line_total,
                    discount: quoted.discount,
                    ..line.clone()
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;
    use crate::domain::cart::CartOwner;
    use crate::domain::catalog::{Product, ProductDraft};
    use crate::domain::ids::{CartItemId, ProductId};
    use crate::domain::money::Currency;
    use crate::domain::orders::{price_cart_for_order, PriceTerms, PricingRules};

    const NOW: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

    fn product(price: i64) -> Product {
        let draft: ProductDraft = serde_json::from_value(serde_json::json!({
            "name": "Speaker", "brand": "Sonora", "categoryId": "audio",
            "variants": [{"sku": "SP-1", "name": "Black",
                          "price": {"amount": price, "currency": "USD"}}]
        }))
        .unwrap();
        Product::create(ProductId::parse("sp-1").unwrap(), draft, NOW)
    }

    fn priced(cart: &Cart, product: &Product) -> PricedCart {
        let products = HashMap::from([(product.id.clone(), product.clone())]);
        let rules = PricingRules::default();
        let terms = PriceTerms {
            rules: &rules,
            currency: Currency::USD,
            now: NOW,
            sale: None,
            coupon: None,
        };
        price_cart_for_order(cart, &products, terms).unwrap()
    }

    #[test]
    fn a_quote_locks_its_prices_for_the_cart_it_was_made_for() {
        let alice = UserId::parse("alice").unwrap();
        let before = product(4_000);
        let mut cart = Cart::new(
            CartId::for_user(&alice),
            CartOwner::User(alice.clone()),
            NOW,
        );
        let item = CartItemId::from_uuid(Uuid::from_u128(1));
        cart.add(item, &before, &before.variants[0], 2, NOW)
            .unwrap();
        cart.touch(NOW);
        let quoted = priced(&cart, &before);
        let quote = Quote::new(
            alice.clone(),
            &cart,
            &quoted,
            None,
            NOW + time::Duration::minutes(15),
        );
        let id = quote.sign(b"key");
        assert_eq!(Quote::verify(&id, b"key", &alice, NOW), Ok(quote.clone()));

        let after = product(5_000);
        let locked = quote.locked_lines(&cart, &priced(&cart, &after)).unwrap();
        assert_eq!(
            locked[0].unit_price.amount, 4_000,
            "the quoted price, not today's"
        );
        assert_eq!(locked[0].line_total.amount, 8_000);

        let mut changed = cart.clone();
        changed.set_quantity(item, 3).unwrap();
        changed.touch(NOW);
        assert_eq!(
            quote.locked_lines(&changed, &priced(&changed, &after)),
            None
        );
        assert_eq!(
            Quote::verify(&id, b"key", &alice, NOW + time::Duration::minutes(15)),
            Err(TokenRefused::Expired("quote"))
        );
    }
}
