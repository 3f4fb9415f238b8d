//! The inventory port: what the core needs from a store of stock and reservations.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{InventoryError, Reservation, ReservationStatus, StockLevel, StockLine};
use crate::ids::{OrderId, Sku};
use crate::ports::StoreError;

/// What a reserve did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReserveOutcome {
    /// Every line was reserved just now.
    Reserved,
    /// The order had a reservation already, in this status; nothing changed.
    Existing(ReservationStatus),
}

/// What a commit or release did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SettleOutcome {
    /// The reservation was pending and is now settled.
    Applied,
    /// The reservation was settled before, to this status; nothing changed.
    AlreadySettled(ReservationStatus),
    /// The order has no reservation.
    NotFound,
}

/// Stock levels per SKU and reservations per order. Every change is one atomic write,
/// so that the invariant of the [module docs](super) holds at every instant.
#[async_trait]
pub trait InventoryStore: Send + Sync {
    /// Counts `on_hand` units of `sku`: creates its record, or sets `on_hand` keeping
    /// `available = on_hand − reserved` (an increase adds to `received`). Refuses to go
    /// below the reserved units with [`InventoryError::BelowReserved`]. Returns the
    /// counters as written.
    async fn set_on_hand(&self, sku: &Sku, on_hand: u32) -> Result<StockLevel, InventoryError>;

    /// The stock levels of those `skus` that have a record, in no particular order.
    async fn stock_levels(&self, skus: &[Sku]) -> Result<Vec<StockLevel>, StoreError>;

    /// Every stock level, in no particular order; for the admin and audits.
    async fn all_stock_levels(&self) -> Result<Vec<StockLevel>, StoreError>;

    /// Reserves `lines` (duplicate SKUs merged) for `order` until `expires_at` (kept to
    /// the whole second), all or nothing, in one transaction. If the order has a
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

    /// Payment captured: the pending reservation of `order` becomes committed and its
    /// units leave `reserved` and `on_hand` for `sold`, in one transaction.
    async fn commit(&self, order: &OrderId) -> Result<SettleOutcome, InventoryError>;

    /// Payment failed or the order was cancelled: the pending reservation of `order`
    /// becomes released and its units go back to `available`, in one transaction.
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
}
