//! The orders' store port.

use async_trait::async_trait;

use super::{Order, OrderStatus};
use crate::domain::ids::{OrderId, UserId};
use crate::domain::store::{Page, PageRequest, StoreError};

/// Orders. Every change is a write conditional on the version that was read.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// Stores a new order (version 1); [`StoreError::AlreadyExists`] if the id is taken.
    async fn create(&self, order: &Order) -> Result<(), StoreError>;

    /// One order.
    async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError>;

    /// Writes `order`, whose version the caller has just incremented; the stored version
    /// must be one less, else [`StoreError::Conflict`].
    async fn update(&self, order: &Order) -> Result<(), StoreError>;

    /// The orders of `user`, newest first (by `created_at`, to the second; orders
    /// placed in the same second in the store's own order), one page at a time.
    /// [`StoreError::BadCursor`] for a cursor this listing did not hand out.
    async fn orders_for_user(
        &self,
        user: &UserId,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError>;

    /// The orders now in `status`, oldest first (by `created_at`, to the second), one
    /// page at a time: the queue an operator works through. On DynamoDB the listing
    /// reads an index, which may lag a write by a moment: an order that just changed
    /// status may still show under its previous one, so read the order before acting.
    /// [`StoreError::BadCursor`] for a cursor this listing did not hand out.
    async fn orders_with_status(
        &self,
        status: OrderStatus,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError>;
}
