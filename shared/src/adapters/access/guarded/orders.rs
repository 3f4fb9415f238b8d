//! The order store behind a function's grant on the `orders` table.

use std::sync::Arc;

use async_trait::async_trait;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::ids::{OrderId, UserId};
use crate::domain::orders::OrderStore;
use crate::domain::orders::{Order, OrderStatus};
use crate::domain::store::{Page, PageRequest, StoreError};

/// An [`OrderStore`] that checks the function's grant before every call.
pub struct GuardedOrders {
    inner: Arc<dyn OrderStore>,
    grant: TableGrant,
}

impl GuardedOrders {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn OrderStore>, grant: TableGrant) -> Self {
        GuardedOrders { inner, grant }
    }
}

#[async_trait]
impl OrderStore for GuardedOrders {
    async fn create(&self, order: &Order) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "create", self.inner.create(order))
            .await
    }

    async fn order(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        self.grant
            .call(Access::Read, "order", self.inner.order(id))
            .await
    }

    async fn update(&self, order: &Order) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "update", self.inner.update(order))
            .await
    }

    async fn orders_for_user(
        &self,
        user: &UserId,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "orders_for_user",
                self.inner.orders_for_user(user, page),
            )
            .await
    }

    async fn orders_with_status(
        &self,
        status: OrderStatus,
        page: &PageRequest,
    ) -> Result<Page<Order>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "orders_with_status",
                self.inner.orders_with_status(status, page),
            )
            .await
    }
}
