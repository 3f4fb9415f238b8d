//! Inventory: stock levels per SKU and reservations per order.
//!
//! Per SKU a store keeps `on_hand`, `reserved` and `available = on_hand − reserved`
//! (stored, because DynamoDB conditions cannot do arithmetic), plus `sold` and
//! `received` for audits. A checkout reserves all its lines or none; payment commits the
//! reservation, failure or expiry releases it. Both settlements are guarded by the
//! reservation's own status change, so a duplicate changes nothing. The invariant every
//! store keeps, and the contract tests check after every storm: `available ≥ 0`,
//! `reserved = Σ PENDING quantities`, `sold = Σ COMMITTED quantities − Σ restocked
//! quantities ≤ received`.
//!
//! A hot SKU's stock may be split over shards ([`ShardedStock`]): each shard keeps the
//! counters and the invariant, a reservation records which shards it took from.
//!
//! A flash sale's units wait in holds, reservations of their own ([`Reservation::is_hold`]): orders draw
//! them from there, and what is left goes back to stock when the sale ends.
//!
//! A cancelled or returned order's committed units come back through a [`Restock`]:
//! once per restock id, in one transaction with the stock change, never more units of
//! a SKU than the order committed.

mod hold;
mod reservation;
mod restock;
mod shards;
mod stock;
mod store;

pub use reservation::{
    merge_lines, Reservation, ReservationStatus, Settlement, MAX_RESERVATION_LINES,
};
pub use restock::Restock;
pub use shards::{check_shard_count, first_shard, ShardLevel, ShardTake, ShardedStock, MAX_SHARDS};
pub use stock::{StockLevel, StockLine};
pub use store::{InventoryStore, ReserveOutcome, SettleOutcome};

use crate::domain::ids::{OrderId, Sku};
use crate::domain::store::{LostRace, StoreError};

impl LostRace for InventoryError {
    fn lost_race(&self) -> bool {
        matches!(self, InventoryError::Store(StoreError::Conflict))
    }
}

/// Why an inventory change was refused or failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InventoryError {
    /// These SKUs (each once, in the order of the merged lines) have fewer units
    /// available than asked for; a SKU without a stock record has none.
    #[error("out of stock: {}", list(.0))]
    OutOfStock(Vec<Sku>),
    /// After merging duplicate SKUs, a reservation has more than
    /// [`MAX_RESERVATION_LINES`] lines.
    #[error("a reservation holds at most {MAX_RESERVATION_LINES} SKUs")]
    TooManyLines,
    /// On hand cannot be set below what is reserved of the SKU.
    #[error("SKU {sku} has {reserved} units reserved; on hand cannot be set below that")]
    BelowReserved {
        /// The SKU whose stock was being set.
        sku: Sku,
        /// The units reserved of it when the change was refused.
        reserved: i64,
    },
    /// A shard count outside 1 to [`MAX_SHARDS`].
    #[error("stock is split over 1 to {MAX_SHARDS} shards, not {0}")]
    BadShardCount(u32),
    /// A shard about to be dropped holds units reserved for orders being paid.
    #[error("shard {shard} of SKU {sku} holds {reserved} reserved units; it cannot be dropped until they settle")]
    ShardReserved {
        /// The SKU being recounted.
        sku: Sku,
        /// The shard that would be dropped.
        shard: u32,
        /// Its reserved units.
        reserved: i64,
    },
    /// A restock the order cannot take: its reservation is not committed, or the
    /// lines hold more units of a SKU than the order committed and has not restocked.
    #[error("order {order} cannot be restocked: {reason}")]
    CannotRestock {
        /// The order being restocked.
        order: OrderId,
        /// Why not.
        reason: String,
    },
    /// A flash sale's hold cannot give an order its units: it has gone back to stock,
    /// or has fewer units promised and not drawn than the order draws.
    #[error("the flash sale's units are no longer held for this order")]
    HoldUnavailable,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn list(skus: &[Sku]) -> String {
    skus.iter().map(Sku::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_stock_names_every_sku() {
        let error = InventoryError::OutOfStock(vec![
            Sku::parse("A-1").expect("a valid SKU"),
            Sku::parse("B-2").expect("a valid SKU"),
        ]);
        assert_eq!(error.to_string(), "out of stock: A-1, B-2");
    }
}
