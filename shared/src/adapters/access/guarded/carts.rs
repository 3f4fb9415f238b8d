//! The cart store behind a function's grant on the `carts` table.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::cart::Cart;
use crate::domain::cart::CartStore;
use crate::domain::ids::CartId;
use crate::domain::store::StoreError;

/// A [`CartStore`] that checks the function's grant before every call.
pub struct GuardedCarts {
    inner: Arc<dyn CartStore>,
    grant: TableGrant,
}

impl GuardedCarts {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn CartStore>, grant: TableGrant) -> Self {
        GuardedCarts { inner, grant }
    }
}

#[async_trait]
impl CartStore for GuardedCarts {
    async fn cart(&self, id: &CartId, now: OffsetDateTime) -> Result<Option<Cart>, StoreError> {
        self.grant
            .call(Access::Read, "cart", self.inner.cart(id, now))
            .await
    }

    async fn save(&self, cart: &Cart, now: OffsetDateTime) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "save", self.inner.save(cart, now))
            .await
    }

    async fn save_merged(
        &self,
        user_cart: &Cart,
        guest: &Cart,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.grant
            .call(
                Access::Write,
                "save_merged",
                self.inner.save_merged(user_cart, guest, now),
            )
            .await
    }
}
