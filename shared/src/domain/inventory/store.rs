//! The inventory port: what the core needs from a store of stock and reservations.

use async_trait::async_trait;
use time::OffsetDateTime;

#[cfg(doc)]
use super::first_shard;
use super::{
    InventoryError, Reservation, ReservationStatus, Restock, ShardedStock, StockLevel, StockLine,
};
use crate::domain::ids::{OrderId, Sku};
use crate::domain::store::StoreError;

/// What a reserve did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// Every line was reserved just now.
    Reserved,
    /// The order had a reservation already, in this status; nothing changed.
    Existing(ReservationStatus),
}

/// What a commit, release or restock did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettleOutcome {
    /// The reservation was pending and is now settled; for a restock, the units are
    /// back on hand.
    Applied,
    /// The reservation was settled before, to this status; nothing changed. For a
    /// restock: `AlreadySettled(Committed)`, this restock id was applied before.
    AlreadySettled(ReservationStatus),
    /// The order has no reservation.
    NotFound,
}

/// Stock levels per SKU and reservations per order. Every change is one atomic write,
/// so that the invariant of the [module docs](super) holds at every instant.
#[async_trait]
pub trait InventoryStore: Send + Sync {
    /// Counts `on_hand` units of `sku` over `shards` shards (as many as now when `None`,
    /// one for a new SKU): creates its record, or spreads `on_hand` over the shards as
    /// [`ShardedStock::recounted`] does, keeping each shard's reserved units (an increase
    /// adds to `received`), in one transaction. Refuses to go below the reserved units
    /// with [`InventoryError::BelowReserved`], to drop a shard holding reserved units
    /// with [`InventoryError::ShardReserved`]. Returns the counters as written.
    async fn set_stock(
        &self,
        sku: &Sku,
        on_hand: u32,
        shards: Option<u32>,
    ) -> Result<StockLevel, InventoryError>;

    /// [`Self::set_stock`] keeping the number of shards.
    async fn set_on_hand(&self, sku: &Sku, on_hand: u32) -> Result<StockLevel, InventoryError> {
        self.set_stock(sku, on_hand, None).await
    }

    /// The SKU's stock shard by shard, if it has a record.
    async fn sharded_stock(&self, sku: &Sku) -> Result<Option<ShardedStock>, StoreError>;

    /// The stock levels of those `skus` that have a record, in no particular order.
    async fn stock_levels(&self, skus: &[Sku]) -> Result<Vec<StockLevel>, StoreError>;

    /// Every stock level, in no particular order; for the admin and audits.
    async fn all_stock_levels(&self) -> Result<Vec<StockLevel>, StoreError>;

    /// Reserves `lines` (duplicate SKUs merged) for `order` until `expires_at` (kept to
    /// the whole second), all or nothing, in one transaction. Each line takes from the
    /// shards [`ShardedStock::take`] picks (starting at [`first_shard`] of the order),
    /// and the reservation records them. If the order has a
    /// reservation already, in any status, nothing changes and the answer is
    /// [`ReserveOutcome::Existing`]: a retried reserve is never a double reservation.
    /// [`InventoryError::OutOfStock`] names every SKU short of its quantity;
    /// [`InventoryError::TooManyLines`] past
    /// [`MAX_RESERVATION_LINES`](super::MAX_RESERVATION_LINES) SKUs.
    async fn reserve(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError>;

    /// Sets `line` aside from stock as `hold`, a flash sale's hold, until `expires_at`,
    /// every unit promisable: [`Self::reserve`] of that one line, with its outcomes.
    async fn set_aside(
        &self,
        hold: &OrderId,
        line: &StockLine,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError>;

    /// Promises `units` of the pending hold `hold` to a buyer, in one conditional write
    /// of the hold alone: whether it had that many promisable.
    async fn promise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError>;

    /// Gives `units` the hold `hold` promised, and no order drew, back to its promisable
    /// units, in one conditional write of the hold alone: whether it took them (not once
    /// it has gone back to stock). The caller gives back only what it was promised.
    async fn unpromise(&self, hold: &OrderId, units: u32) -> Result<bool, StoreError>;

    /// [`Self::reserve`], except that every unit of the hold's SKU in `lines` is drawn
    /// from the pending hold `hold` (as [`Reservation::drawn`] moves it) instead of from
    /// stock, in the same transaction. [`InventoryError::HoldUnavailable`] when the hold
    /// has gone back to stock or has fewer promised units left than are drawn.
    async fn reserve_drawing(
        &self,
        order: &OrderId,
        lines: &[StockLine],
        hold: &OrderId,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<ReserveOutcome, InventoryError>;

    /// Payment captured: the pending reservation of `order` becomes committed and its
    /// units leave `reserved` and `on_hand` for `sold` on the shards they were taken
    /// from, in one transaction.
    async fn commit(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError>;

    /// Payment failed or the order was cancelled: the pending reservation of `order`
    /// becomes released and its units go back to `available`, in one transaction. Units
    /// an order drew from a hold go back to the hold (promisable again) while it is
    /// pending, else to `available`.
    async fn release(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError>;

    /// Releases every pending reservation that expires at or before `now`, each in a
    /// transaction that also requires it to be still pending and expired, so that a
    /// concurrent commit and this release never both happen. Returns the orders whose
    /// reservations this call released.
    async fn release_expired(&self, now: OffsetDateTime) -> Result<Vec<OrderId>, StoreError>;

    /// The reservation of `order`, in any status.
    async fn reservation(&self, order: &OrderId) -> Result<Option<Reservation>, StoreError>;

    /// Every reservation, in no particular order; for audits and tests.
    async fn all_reservations(&self) -> Result<Vec<Reservation>, StoreError>;

    /// Puts `lines` (duplicate SKUs merged) of `order`'s committed reservation back:
    /// per line `on_hand += q, available += q, sold −= q` on shards that sold that many
    /// ([`ShardedStock::give_back`]), exactly once per
    /// `restock_id` (`<order>#cancel`, `<order>#return`, …), in one transaction with
    /// the record of the restock. [`SettleOutcome::Applied`] when the units came back
    /// now; `AlreadySettled(Committed)` when this restock id was applied before (nothing
    /// changes, whatever the lines); [`SettleOutcome::NotFound`] when the order has no
    /// reservation. [`InventoryError::CannotRestock`] when the reservation is not
    /// committed, or the lines ask back more units of a SKU than the order committed
    /// less its earlier restocks.
    async fn restock(
        &self,
        order: &OrderId,
        restock_id: &str,
        lines: &[StockLine],
    ) -> Result<SettleOutcome, InventoryError>;

    /// Every restock, in no particular order; for audits and tests (the invariant
    /// counts restocked units out of `sold`).
    async fn restocks(&self) -> Result<Vec<Restock>, StoreError>;

    /// Sets the SKU's low-stock threshold (`None`: no alerts), creating its stock record
    /// with nothing on hand if it has none. Returns the counters with the threshold.
    async fn set_low_stock_threshold(
        &self,
        sku: &Sku,
        threshold: Option<u32>,
    ) -> Result<StockLevel, InventoryError>;
}
