//! A SKU's stock counters, and the quantity of a SKU that an order asks for.

use serde::{Deserialize, Serialize};

use super::InventoryError;
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
}

impl StockLevel {
    /// A SKU's first stock record: `on_hand` units, all available, all received.
    pub fn initial(sku: Sku, on_hand: u32) -> Self {
        let on_hand = i64::from(on_hand);
        StockLevel {
            sku,
            on_hand,
            reserved: 0,
            available: on_hand,
            sold: 0,
            received: on_hand,
            low_stock_threshold: None,
        }
    }

    /// Whether fewer units are available than the low-stock threshold.
    pub fn is_low(&self) -> bool {
        self.low_stock_threshold
            .is_some_and(|threshold| self.available < i64::from(threshold))
    }

    /// These counters after an operator counted `on_hand` units: `available` follows,
    /// an increase counts as received, and nothing reserved can be counted away.
    pub fn with_on_hand(&self, on_hand: u32) -> Result<Self, InventoryError> {
        let on_hand = i64::from(on_hand);
        if on_hand < self.reserved {
            return Err(InventoryError::BelowReserved {
                sku: self.sku.clone(),
                reserved: self.reserved,
            });
        }
        Ok(StockLevel {
            on_hand,
            available: on_hand - self.reserved,
            received: self.received + (on_hand - self.on_hand).max(0),
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(on_hand: i64, reserved: i64, sold: i64, received: i64) -> StockLevel {
        StockLevel {
            sku: Sku::parse("HP-1").expect("a valid SKU"),
            on_hand,
            reserved,
            available: on_hand - reserved,
            sold,
            received,
            low_stock_threshold: None,
        }
    }

    #[test]
    fn low_means_fewer_available_than_the_threshold() {
        let mut stock = level(10, 4, 0, 10);
        assert!(!stock.is_low(), "no threshold, never low");
        stock.low_stock_threshold = Some(6);
        assert!(!stock.is_low());
        stock.low_stock_threshold = Some(7);
        assert!(stock.is_low());
    }

    #[test]
    fn first_stock_is_all_available_and_received() {
        assert_eq!(
            StockLevel::initial(Sku::parse("HP-1").expect("a valid SKU"), 7),
            level(7, 0, 0, 7)
        );
    }

    #[test]
    fn raising_on_hand_counts_as_received() {
        assert_eq!(
            level(10, 4, 2, 12).with_on_hand(15),
            Ok(level(15, 4, 2, 17))
        );
    }

    #[test]
    fn lowering_on_hand_keeps_received() {
        assert_eq!(level(10, 4, 2, 12).with_on_hand(4), Ok(level(4, 4, 2, 12)));
    }

    #[test]
    fn on_hand_cannot_go_below_reserved() {
        assert_eq!(
            level(10, 4, 2, 12).with_on_hand(3),
            Err(InventoryError::BelowReserved {
                sku: Sku::parse("HP-1").expect("a valid SKU"),
                reserved: 4
            })
        );
    }
}
