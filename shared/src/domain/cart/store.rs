//! The carts' store port.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::Cart;
use crate::domain::ids::CartId;
use crate::domain::store::StoreError;

/// Carts. Reads never return a cart that has expired at `now`, whether or not the
/// store has purged it yet.
#[async_trait]
pub trait CartStore: Send + Sync {
    /// The cart with this id, unless it is missing or expired.
    async fn cart(&self, id: &CartId, now: OffsetDateTime) -> Result<Option<Cart>, StoreError>;

    /// Writes `cart`, whose version the caller has just incremented: version 1 creates it
    /// (over an expired one at most), any later version requires the stored version to be
    /// one less. [`StoreError::Conflict`] otherwise.
    async fn save(&self, cart: &Cart, now: OffsetDateTime) -> Result<(), StoreError>;

    /// Writes the user's merged cart and deletes the guest cart in one transaction; the
    /// guest cart must still be at `guest.version`.
    async fn save_merged(
        &self,
        user_cart: &Cart,
        guest: &Cart,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
}
