//! The flash-sale store behind a function's grant on the `flash-sales` table.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::flash_sale::{FlashSale, FlashSaleStore, Joined, QueueKey, Ticket};
use crate::domain::ids::{SaleId, UserId};
use crate::domain::store::StoreError;

/// A [`FlashSaleStore`] that checks the function's grant before every call.
pub struct GuardedFlashSales {
    inner: Arc<dyn FlashSaleStore>,
    grant: TableGrant,
}

impl GuardedFlashSales {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn FlashSaleStore>, grant: TableGrant) -> Self {
        GuardedFlashSales { inner, grant }
    }
}

#[async_trait]
impl FlashSaleStore for GuardedFlashSales {
    async fn create_sale(&self, sale: &FlashSale) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "create_sale", self.inner.create_sale(sale))
            .await
    }

    async fn sale(&self, id: &SaleId) -> Result<Option<FlashSale>, StoreError> {
        self.grant
            .call(Access::Read, "sale", self.inner.sale(id))
            .await
    }

    async fn sales_not_ended(
        &self,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<FlashSale>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "sales_not_ended",
                self.inner.sales_not_ended(now, limit),
            )
            .await
    }

    async fn join(&self, ticket: &Ticket) -> Result<Joined, StoreError> {
        self.grant
            .call(Access::Write, "join", self.inner.join(ticket))
            .await
    }

    async fn ticket(&self, sale: &SaleId, buyer: &UserId) -> Result<Option<Ticket>, StoreError> {
        self.grant
            .call(Access::Read, "ticket", self.inner.ticket(sale, buyer))
            .await
    }

    async fn update_ticket(&self, ticket: &Ticket) -> Result<(), StoreError> {
        self.grant
            .call(
                Access::Write,
                "update_ticket",
                self.inner.update_ticket(ticket),
            )
            .await
    }

    async fn waiting_ahead(
        &self,
        sale: &SaleId,
        key: QueueKey,
        cap: u32,
    ) -> Result<u32, StoreError> {
        self.grant
            .call(
                Access::Read,
                "waiting_ahead",
                self.inner.waiting_ahead(sale, key, cap),
            )
            .await
    }

    async fn next_waiting(&self, sale: &SaleId, limit: u32) -> Result<Vec<Ticket>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "next_waiting",
                self.inner.next_waiting(sale, limit),
            )
            .await
    }

    async fn admitted_count(&self, sale: &SaleId, cap: u32) -> Result<u32, StoreError> {
        self.grant
            .call(
                Access::Read,
                "admitted_count",
                self.inner.admitted_count(sale, cap),
            )
            .await
    }

    async fn expired_tokens(
        &self,
        sale: &SaleId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Ticket>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "expired_tokens",
                self.inner.expired_tokens(sale, now, limit),
            )
            .await
    }
}
