//! Carts: guest carts addressed by id, user carts addressed by the user; lines keep the
//! price the shopper saw when they added them.

mod store;
mod view;

pub use store::CartStore;
pub use view::{price_cart, CartLineView, CartView};

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::domain::catalog::{Product, Variant};
use crate::domain::ids::{CartId, CartItemId, ProductId, Sku, UserId};
use crate::domain::money::Money;

/// The most units of one SKU a cart line may hold.
pub const MAX_LINE_QUANTITY: u32 = 50;
/// The most lines a cart may hold.
pub const MAX_LINES: usize = 100;
/// How long an untouched guest cart lives.
pub const GUEST_CART_TTL: Duration = Duration::days(30);
/// How long an untouched user cart lives.
pub const USER_CART_TTL: Duration = Duration::days(90);

/// Whose cart this is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "userId", rename_all = "camelCase")]
pub enum CartOwner {
    /// Anyone who holds the cart id.
    Guest,
    /// Only this user.
    User(UserId),
}

/// A cart as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cart {
    pub id: CartId,
    pub owner: CartOwner,
    pub lines: Vec<CartLine>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// After this the cart is gone (a TTL attribute in DynamoDB).
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Incremented by every write; stores refuse a write based on a stale version.
    pub version: u64,
}

/// One SKU in a cart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartLine {
    pub item_id: CartItemId,
    pub product_id: ProductId,
    pub sku: Sku,
    /// Product and variant name as the shopper saw them.
    pub name: String,
    pub quantity: u32,
    /// The unit price shown when the line was last added to.
    pub unit_price: Money,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
}

/// A cart change the rules refuse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CartError {
    #[error("quantity must be from 1 to {MAX_LINE_QUANTITY}")]
    QuantityOutOfRange,
    #[error("{sku} would reach {quantity} units; a line holds at most {MAX_LINE_QUANTITY}")]
    LineQuantityExceeded { sku: Sku, quantity: u32 },
    #[error("a cart holds at most {MAX_LINES} lines")]
    TooManyLines,
    #[error("no item {0} in this cart")]
    ItemNotFound(CartItemId),
}

/// What a merge could not carry over because the user's cart was full.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeOutcome {
    pub skus_not_merged: Vec<Sku>,
}

fn check_quantity(quantity: u32) -> Result<(), CartError> {
    if (1..=MAX_LINE_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err(CartError::QuantityOutOfRange)
    }
}

impl CartOwner {
    /// How long a cart of this owner lives untouched.
    pub fn ttl(&self) -> Duration {
        match self {
            CartOwner::Guest => GUEST_CART_TTL,
            CartOwner::User(_) => USER_CART_TTL,
        }
    }
}

impl Cart {
    /// An empty cart; its first save creates it.
    pub fn new(id: CartId, owner: CartOwner, now: OffsetDateTime) -> Self {
        Cart {
            id,
            expires_at: now + owner.ttl(),
            owner,
            lines: Vec::new(),
            created_at: now,
            updated_at: now,
            version: 0,
        }
    }

    /// Adds `quantity` of `variant`; the same SKU again adds to its line.
    pub fn add(
        &mut self,
        new_item_id: CartItemId,
        product: &Product,
        variant: &Variant,
        quantity: u32,
        now: OffsetDateTime,
    ) -> Result<CartItemId, CartError> {
        check_quantity(quantity)?;
        if let Some(line) = self.lines.iter_mut().find(|line| line.sku == variant.sku) {
            let total = line.quantity + quantity;
            if total > MAX_LINE_QUANTITY {
                return Err(CartError::LineQuantityExceeded {
                    sku: variant.sku.clone(),
                    quantity: total,
                });
            }
            line.quantity = total;
            line.unit_price = variant.price_at(now);
            return Ok(line.item_id);
        }
        if self.lines.len() >= MAX_LINES {
            return Err(CartError::TooManyLines);
        }
        self.lines.push(CartLine {
            item_id: new_item_id,
            product_id: product.id.clone(),
            sku: variant.sku.clone(),
            name: format!("{} – {}", product.name, variant.name),
            quantity,
            unit_price: variant.price_at(now),
            added_at: now,
        });
        Ok(new_item_id)
    }

    /// Sets a line's quantity.
    pub fn set_quantity(&mut self, item_id: CartItemId, quantity: u32) -> Result<(), CartError> {
        check_quantity(quantity)?;
        let line = self
            .lines
            .iter_mut()
            .find(|line| line.item_id == item_id)
            .ok_or(CartError::ItemNotFound(item_id))?;
        line.quantity = quantity;
        Ok(())
    }

    /// Removes a line.
    pub fn remove(&mut self, item_id: CartItemId) -> Result<(), CartError> {
        let before = self.lines.len();
        self.lines.retain(|line| line.item_id != item_id);
        if self.lines.len() == before {
            return Err(CartError::ItemNotFound(item_id));
        }
        Ok(())
    }

    /// Folds a guest's cart into this one: the same SKU sums quantities, capped at the
    /// per-line maximum; new SKUs are appended while there is room.
    pub fn merge(&mut self, guest: &Cart) -> MergeOutcome {
        let mut outcome = MergeOutcome::default();
        for guest_line in &guest.lines {
            if let Some(line) = self
                .lines
                .iter_mut()
                .find(|line| line.sku == guest_line.sku)
            {
                line.quantity = (line.quantity + guest_line.quantity).min(MAX_LINE_QUANTITY);
            } else if self.lines.len() < MAX_LINES {
                self.lines.push(guest_line.clone());
            } else {
                outcome.skus_not_merged.push(guest_line.sku.clone());
            }
        }
        outcome
    }

    /// Marks the cart as written at `now`: bumps the version and pushes back its expiry.
    pub fn touch(&mut self, now: OffsetDateTime) {
        self.updated_at = now;
        self.expires_at = now + self.owner.ttl();
        self.version += 1;
    }

    /// Whether the cart has outlived its expiry at `now`.
    pub fn is_expired(&self, now: OffsetDateTime) -> bool {
        self.expires_at <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::ProductDraft;
    use crate::domain::clock::{IdSource, SequentialIds};

    fn product(skus: &[&str]) -> Product {
        let variants: Vec<_> = skus
            .iter()
            .map(|sku| serde_json::json!({"sku": sku, "name": sku, "price": {"amount": 500, "currency": "USD"}, "stock": 10}))
            .collect();
        let draft: ProductDraft = serde_json::from_value(serde_json::json!({
            "name": "Thing", "brand": "Acme", "categoryId": "misc", "variants": variants
        }))
        .unwrap();
        Product::create(
            ProductId::parse("p1").unwrap(),
            draft,
            OffsetDateTime::UNIX_EPOCH,
        )
    }

    fn cart(owner: CartOwner, ids: &SequentialIds) -> Cart {
        Cart::new(
            CartId::from_uuid(ids.next_uuid()),
            owner,
            OffsetDateTime::UNIX_EPOCH,
        )
    }

    fn item(ids: &SequentialIds) -> CartItemId {
        CartItemId::from_uuid(ids.next_uuid())
    }

    #[test]
    fn adding_the_same_sku_sums_up_to_the_line_limit() {
        let ids = SequentialIds::default();
        let product = product(&["A"]);
        let mut cart = cart(CartOwner::Guest, &ids);
        let now = OffsetDateTime::UNIX_EPOCH;
        let first = cart
            .add(item(&ids), &product, &product.variants[0], 30, now)
            .unwrap();
        let again = cart
            .add(item(&ids), &product, &product.variants[0], 20, now)
            .unwrap();
        assert_eq!(first, again);
        assert_eq!(cart.lines[0].quantity, 50);
        assert!(matches!(
            cart.add(item(&ids), &product, &product.variants[0], 1, now),
            Err(CartError::LineQuantityExceeded { quantity: 51, .. })
        ));
        assert_eq!(cart.lines[0].quantity, 50);
    }

    #[test]
    fn quantities_outside_one_to_fifty_are_refused() {
        let ids = SequentialIds::default();
        let product = product(&["A"]);
        let mut cart = cart(CartOwner::Guest, &ids);
        let now = OffsetDateTime::UNIX_EPOCH;
        for bad in [0, 51] {
            assert_eq!(
                cart.add(item(&ids), &product, &product.variants[0], bad, now),
                Err(CartError::QuantityOutOfRange)
            );
        }
        assert!(cart.lines.is_empty());
    }

    #[test]
    fn the_hundred_and_first_line_is_refused() {
        let ids = SequentialIds::default();
        let skus: Vec<String> = (0..=MAX_LINES).map(|i| format!("S{i}")).collect();
        let sku_refs: Vec<&str> = skus.iter().map(String::as_str).collect();
        let product = product(&sku_refs);
        let mut cart = cart(CartOwner::Guest, &ids);
        let now = OffsetDateTime::UNIX_EPOCH;
        for variant in &product.variants[..MAX_LINES] {
            cart.add(item(&ids), &product, variant, 1, now).unwrap();
        }
        assert_eq!(
            cart.add(item(&ids), &product, &product.variants[MAX_LINES], 1, now),
            Err(CartError::TooManyLines)
        );
    }

    #[test]
    fn merge_sums_capped_and_appends_new_skus() {
        let ids = SequentialIds::default();
        let product = product(&["A", "B"]);
        let now = OffsetDateTime::UNIX_EPOCH;
        let alice = UserId::parse("alice").unwrap();
        let mut mine = cart(CartOwner::User(alice), &ids);
        mine.add(item(&ids), &product, &product.variants[0], 40, now)
            .unwrap();
        let mut guest = cart(CartOwner::Guest, &ids);
        guest
            .add(item(&ids), &product, &product.variants[0], 20, now)
            .unwrap();
        guest
            .add(item(&ids), &product, &product.variants[1], 2, now)
            .unwrap();
        let outcome = mine.merge(&guest);
        assert!(outcome.skus_not_merged.is_empty());
        let quantities: Vec<(String, u32)> = mine
            .lines
            .iter()
            .map(|l| (l.sku.to_string(), l.quantity))
            .collect();
        assert_eq!(quantities, [("A".into(), 50), ("B".into(), 2)]);
    }

    #[test]
    fn touching_extends_expiry_by_the_owner_ttl() {
        let ids = SequentialIds::default();
        let mut guest = cart(CartOwner::Guest, &ids);
        let later = OffsetDateTime::UNIX_EPOCH + Duration::days(10);
        guest.touch(later);
        assert_eq!(guest.expires_at, later + GUEST_CART_TTL);
        assert_eq!(guest.version, 1);
        assert!(!guest.is_expired(later + Duration::days(29)));
        assert!(guest.is_expired(later + Duration::days(30)));
    }
}
