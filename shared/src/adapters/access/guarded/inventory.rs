//! The inventory store behind a function's grant on the `inventory` table.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::{
    InventoryError, InventoryStore, Reservation, ReserveOutcome, Restock, SettleOutcome,
    ShardedStock, StockLevel, StockLine,
};
use crate::domain::store::StoreError;

/// An [`InventoryStore`] that checks the function's grant before every call. Refusals
/// of the changing methods are [`InventoryError::Store`] holding the store's refusal.
pub struct GuardedInventory {
    inner: Arc<dyn InventoryStore>,
    grant: TableGrant,
}

impl GuardedInventory {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn InventoryStore>, grant: TableGrant) -> Self {
        GuardedInventory { inner, grant }
    }
}

#[async_trait]
impl InventoryStore for GuardedInventory {
    async fn set_stock(
        &self,
        sku: &Sku,
        on_hand: u32,
        shards: Option<u32>,
    ) -> Result<StockLevel, InventoryError> {
        self.grant
            .call(
                Access::Write,
                "set_stock",
                self.inner.set_stock(sku, on_hand, shards),
            )
            .await
    }

    async fn sharded_stock(&self, sku: &Sku) -> Result<Option<ShardedStock>, StoreError> {
        self.grant
            .call(Access::Read, "sharded_stock", self.inner.sharded_stock(sku))
            .await
    }

    async fn stock_levels(&self, skus: &[Sku]) -> Result<Vec<StockLevel>, StoreError> {
        self.grant
            .call(Access::Read, "stock_levels", self.inner.stock_levels(skus))
            .await
    }

    async fn all_stock_levels(&self) -> Result<Vec<StockLevel>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "all_stock_levels",
                self.inner.all_stock_levels(),
            )
            .await
    }

    async fn reserve(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        self.grant
            .call(
                Access::Write,
                "reserve",
                self.inner.reserve(order, lines, expires_at, now),
            )
            .await
    }

    async fn set_aside(
        &self,
        hold: &OrderId,
        line: &StockLine,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        self.grant
            .call(
                Access::Write,
                "set_aside",
                self.inner.set_aside(hold, line, expires_at, now),
            )
            .await
    }

    async fn promise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError> {
        self.grant
            .call(Access::Write, "promise", self.inner.promise(hold, units))
            .await
    }

    async fn unpromise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError> {
        self.grant
            .call(
                Access::Write,
                "unpromise",
                self.inner.unpromise(hold, units),
            )
            .await
    }

    async fn reserve_drawing(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        hold: &OrderId,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        self.grant
            .call(
                Access::Write,
                "reserve_drawing",
                self.inner
                    .reserve_drawing(order, lines, hold, expires_at, now),
            )
            .await
    }

    async fn commit(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        self.grant
            .call(Access::Write, "commit", self.inner.commit(order))
            .await
    }

    async fn release(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        self.grant
            .call(Access::Write, "release", self.inner.release(order))
            .await
    }

    async fn release_expired(&self, now: OffsetDateTime) -> Result<Vec<OrderId>, StoreError> {
        self.grant
            .call(
                Access::Write,
                "release_expired",
                self.inner.release_expired(now),
            )
            .await
    }

    async fn reservation(&self, order: &OrderId) -> Result<Option<Reservation>, StoreError> {
        self.grant
            .call(Access::Read, "reservation", self.inner.reservation(order))
            .await
    }

    async fn all_reservations(&self) -> Result<Vec<Reservation>, StoreError> {
        self.grant
            .call(
                Access::Read,
                "all_reservations",
                self.inner.all_reservations(),
            )
            .await
    }

    async fn restock(
        &self,
        order: &OrderId,
        restock_id: &str,
        lines: &[StockLine],
    ) -> Result<SettleOutcome, InventoryError> {
        self.grant
            .call(
                Access::Write,
                "restock",
                self.inner.restock(order, restock_id, lines),
            )
            .await
    }

    async fn restocks(&self) -> Result<Vec<Restock>, StoreError> {
        self.grant
            .call(Access::Read, "restocks", self.inner.restocks())
            .await
    }

    async fn set_low_stock_threshold(
        &self,
        sku: &Sku,
        threshold: Option<u32>,
    ) -> Result<StockLevel, InventoryError> {
        self.grant
            .call(
                Access::Write,
                "set_low_stock_threshold",
                self.inner.set_low_stock_threshold(sku, threshold),
            )
            .await
    }
}
