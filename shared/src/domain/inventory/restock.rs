//! Restocks: units of a committed order that come back on hand, because the order was
//! cancelled after payment or some of it was returned.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{merge_lines, InventoryError, Reservation, ReservationStatus, StockLine};
use crate::domain::ids::{OrderId, Sku};

/// One restock of an order, as a store records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Restock {
    /// The order whose units came back.
    pub order_id: OrderId,
    /// Unique per order: `<order>#cancel`, `<order>#return`, …; a second restock with
    /// the same id changes nothing.
    pub restock_id: String,
    /// What came back, one line per SKU.
    pub lines: Vec<StockLine>,
}

impl Restock {
    /// The restock `restock_id` of `lines` (duplicate SKUs merged) from `reservation`,
    /// which already gave back `earlier`: refused unless the reservation is committed
    /// and holds, per SKU, at least the units of `lines` beyond the earlier restocks.
    pub fn of(
        reservation: &Reservation,
        restock_id: &str,
        lines: &[StockLine],
        earlier: &[Restock],
    ) -> Result<Self, InventoryError> {
        let refuse = |reason: String| InventoryError::CannotRestock {
            order: reservation.order_id,
            reason,
        };
        if reservation.status != ReservationStatus::Committed {
            return Err(refuse(format!(
                "its reservation is {}, not COMMITTED",
                reservation.status.as_str()
            )));
        }
        let lines = merge_lines(lines);
        let mut restocked: HashMap<&Sku, u32> = HashMap::new();
        for line in earlier.iter().flat_map(|restock| &restock.lines) {
            *restocked.entry(&line.sku).or_default() += line.quantity;
        }
        for line in &lines {
            let committed = reservation.units_of(&line.sku);
            let left = committed.saturating_sub(restocked.get(&line.sku).copied().unwrap_or(0));
            if line.quantity > left {
                return Err(refuse(format!(
                    "{} units of {} asked back, {left} of the {committed} committed are left",
                    line.quantity, line.sku
                )));
            }
        }
        Ok(Restock {
            order_id: reservation.order_id,
            restock_id: restock_id.to_owned(),
            lines,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn line(sku: &str, quantity: u32) -> StockLine {
        StockLine {
            sku: Sku::parse(sku).unwrap(),
            quantity,
        }
    }

    fn committed(lines: &[StockLine]) -> Reservation {
        let now = datetime!(2030-01-01 00:00 UTC);
        let order = OrderId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").unwrap();
        let mut reservation = Reservation::pending(order, lines, now, now).unwrap();
        reservation.status = ReservationStatus::Committed;
        reservation
    }

    #[test]
    fn a_restock_takes_back_at_most_what_is_left_of_each_sku() {
        let reservation = committed(&[line("A-1", 3), line("B-1", 1)]);
        let first = Restock::of(&reservation, "r1", &[line("A-1", 1), line("A-1", 1)], &[]);
        assert_eq!(
            first.as_ref().map(|restock| restock.lines.clone()),
            Ok(vec![line("A-1", 2)])
        );
        let earlier = [first.unwrap()];
        assert!(Restock::of(&reservation, "r2", &[line("A-1", 1)], &earlier).is_ok());
        assert!(matches!(
            Restock::of(&reservation, "r2", &[line("A-1", 2)], &earlier),
            Err(InventoryError::CannotRestock { .. })
        ));
        assert!(matches!(
            Restock::of(&reservation, "r2", &[line("C-1", 1)], &earlier),
            Err(InventoryError::CannotRestock { .. })
        ));
    }

    #[test]
    fn only_committed_reservations_are_restocked() {
        let mut reservation = committed(&[line("A-1", 3)]);
        for status in [ReservationStatus::Pending, ReservationStatus::Released] {
            reservation.status = status;
            assert!(matches!(
                Restock::of(&reservation, "r1", &[line("A-1", 1)], &[]),
                Err(InventoryError::CannotRestock { .. })
            ));
        }
    }
}
