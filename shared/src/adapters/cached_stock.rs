//! A short-lived cache of all stock levels in front of any inventory store. Search needs
//! every SKU's availability to filter by `inStock`, on every request; a second-old view
//! is good enough there (checkout reserves against the store itself). Every write made
//! through this cache drops it at once.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use time::{Duration, OffsetDateTime};

use crate::domain::clock::Clock;
use crate::domain::ids::{OrderId, Sku};
use crate::domain::inventory::{
    InventoryError, InventoryStore, Reservation, ReserveOutcome, Restock, SettleOutcome,
    ShardedStock, StockLevel, StockLine,
};
use crate::domain::store::StoreError;

/// [`InventoryStore`] that serves [`InventoryStore::all_stock_levels`] from memory for a
/// while; everything else goes straight to the store.
pub struct CachedStockLevels {
    inner: Arc<dyn InventoryStore>,
    clock: Arc<dyn Clock>,
    time_to_live: Duration,
    levels: RwLock<Option<(OffsetDateTime, Vec<StockLevel>)>>,
}

impl CachedStockLevels {
    /// Caches `inner`'s stock levels for `time_to_live` as `clock` counts it.
    pub fn new(
        inner: Arc<dyn InventoryStore>,
        clock: Arc<dyn Clock>,
        time_to_live: Duration,
    ) -> Self {
        CachedStockLevels {
            inner,
            clock,
            time_to_live,
            levels: RwLock::new(None),
        }
    }

    fn forget(&self) {
        *self
            .levels
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
    }

    /// Drops the cache after `result` whatever it was: a failed write may have happened.
    fn after_write<T>(&self, result: T) -> T {
        self.forget();
        result
    }
}

#[async_trait]
impl InventoryStore for CachedStockLevels {
    async fn set_stock(
        &self,
        sku: &Sku,
        on_hand: u32,
        shards: Option<u32>,
    ) -> Result<StockLevel, InventoryError> {
        let result = self.inner.set_stock(sku, on_hand, shards).await;
        self.after_write(result)
    }

    async fn sharded_stock(&self, sku: &Sku) -> Result<Option<ShardedStock>, StoreError> {
        self.inner.sharded_stock(sku).await
    }

    async fn stock_levels(&self, skus: &[Sku]) -> Result<Vec<StockLevel>, StoreError> {
        self.inner.stock_levels(skus).await
    }

    async fn all_stock_levels(&self) -> Result<Vec<StockLevel>, StoreError> {
        let now = self.clock.now();
        {
            let cached = self
                .levels
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some((loaded_at, levels)) = cached.as_ref() {
                if now - *loaded_at < self.time_to_live {
                    return Ok(levels.clone());
                }
            }
        }
        let levels = self.inner.all_stock_levels().await?;
        *self
            .levels
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some((now, levels.clone()));
        Ok(levels)
    }

    async fn reserve(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let result = self.inner.reserve(order, lines, expires_at, now).await;
        self.after_write(result)
    }

    async fn set_aside(
        &self,
        hold: &OrderId,
        line: &StockLine,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let result = self.inner.set_aside(hold, line, expires_at, now).await;
        self.after_write(result)
    }

    async fn promise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError> {
        self.inner.promise(hold, units).await
    }

    async fn unpromise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError> {
        self.inner.unpromise(hold, units).await
    }

    async fn reserve_drawing(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        hold: &OrderId,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError> {
        let result = self
            .inner
            .reserve_drawing(order, lines, hold, expires_at, now)
            .await;
        self.after_write(result)
    }

    async fn commit(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        let result = self.inner.commit(order).await;
        self.after_write(result)
    }

    async fn release(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError> {
        let result = self.inner.release(order).await;
        self.after_write(result)
    }

    async fn release_expired(&self, now: OffsetDateTime) -> Result<Vec<OrderId>, StoreError> {
        let result = self.inner.release_expired(now).await;
        self.after_write(result)
    }

    async fn reservation(&self, order: &OrderId) -> Result<Option<Reservation>, StoreError> {
        self.inner.reservation(order).await
    }

    async fn all_reservations(&self) -> Result<Vec<Reservation>, StoreError> {
        self.inner.all_reservations().await
    }

    async fn restock(
        &self,
        order: &OrderId,
        restock_id: &str,
        lines: &[StockLine],
    ) -> Result<SettleOutcome, InventoryError> {
        let result = self.inner.restock(order, restock_id, lines).await;
        self.after_write(result)
    }

    async fn restocks(&self) -> Result<Vec<Restock>, StoreError> {
        self.inner.restocks().await
    }

    async fn set_low_stock_threshold(
        &self,
        sku: &Sku,
        threshold: Option<u32>,
    ) -> Result<StockLevel, InventoryError> {
        let result = self.inner.set_low_stock_threshold(sku, threshold).await;
        self.after_write(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::sqlite::{SqliteDb, SqliteInventory};
    use crate::domain::clock::ManualClock;

    #[tokio::test]
    async fn writes_through_the_cache_show_at_once_and_others_after_the_time_to_live() {
        let store: Arc<dyn InventoryStore> =
            Arc::new(SqliteInventory::new(SqliteDb::in_memory().unwrap()));
        let clock = Arc::new(ManualClock::new(OffsetDateTime::UNIX_EPOCH));
        let cached =
            CachedStockLevels::new(Arc::clone(&store), clock.clone(), Duration::seconds(1));
        let sku = Sku::parse("A-1").unwrap();
        cached.set_on_hand(&sku, 5).await.unwrap();
        assert_eq!(cached.all_stock_levels().await.unwrap()[0].available, 5);

        cached.set_on_hand(&sku, 7).await.unwrap();
        assert_eq!(
            cached.all_stock_levels().await.unwrap()[0].available,
            7,
            "its own write drops the cache"
        );

        store.set_on_hand(&sku, 9).await.unwrap();
        assert_eq!(
            cached.all_stock_levels().await.unwrap()[0].available,
            7,
            "a write elsewhere shows later"
        );
        clock.advance(Duration::seconds(1));
        assert_eq!(cached.all_stock_levels().await.unwrap()[0].available, 9);
    }
}
