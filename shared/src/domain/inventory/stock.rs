//! A SKU's stock counters, and the quantity of a SKU that an order asks for.

use serde::{Deserialize, Serialize};

use crate::domain::ids::Sku;

/// Units of one SKU, as an order line or a reservation line holds them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockLine {
    /// What is counted.
    pub sku: Sku,
    /// How many units.
    pub quantity: u32,
}

/// A SKU's counters as a store keeps them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockLevel {
    /// What is counted.
    pub sku: Sku,
    /// Units in the warehouse, reserved or not.
    pub on_hand: i64,
    /// Units held by pending reservations.
    pub reserved: i64,
    /// Units a new reservation can take: `on_hand − reserved`.
    pub available: i64,
    /// Units of committed reservations: sold and gone from `on_hand`.
    pub sold: i64,
    /// Every unit ever received: the first stock plus every increase of `on_hand`.
    /// Units restocked from cancelled or returned orders come back to `on_hand` (and
    /// leave `sold`) without being received again.
    pub received: i64,
    /// Below this many available units the SKU is low on stock and operators are
    /// alerted; `None`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_stock_threshold: Option<u32>,
    /// How many shards the stock is split over (see [`ShardedStock`](super::ShardedStock)).
    #[serde(default = "one_shard")]
    pub shards: u32,
}

fn one_shard() -> u32 {
    1
}

impl StockLevel {
    /// Whether fewer units are available than the low-stock threshold.
    pub fn is_low(&self) -> bool {
        self.low_stock_threshold
            .is_some_and(|threshold| self.available < i64::from(threshold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_means_fewer_available_than_the_threshold() {
        let mut stock = StockLevel {
            sku: Sku::parse("HP-1").expect("a valid SKU"),
            on_hand: 10,
            reserved: 4,
            available: 6,
            sold: 0,
            received: 10,
            low_stock_threshold: None,
            shards: 1,
        };
        assert!(!stock.is_low(), "no threshold, never low");
        stock.low_stock_threshold = Some(6);
        assert!(!stock.is_low());
        stock.low_stock_threshold = Some(7);
        assert!(stock.is_low());
    }
}
