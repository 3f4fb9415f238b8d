//! Reservations: the units an order holds from checkout until payment settles it.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::{InventoryError, ShardTake, StockLine};
use crate::domain::ids::OrderId;

/// The most SKUs one reservation may hold, and the most shards its lines may take from
/// together. DynamoDB writes at most 100 items in one transaction: the reservation
/// itself and one stock item per shard taken from.
pub const MAX_RESERVATION_LINES: usize = 99;

/// Where a reservation is in its life. It starts `Pending` and is settled once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReservationStatus {
    /// Holding its units; payment has not settled yet.
    Pending,
    /// Paid for: its units are sold.
    Committed,
    /// Given back: payment failed, the order was cancelled or the reservation expired.
    Released,
}

impl ReservationStatus {
    /// The status as stores and events spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Pending => "PENDING",
            ReservationStatus::Committed => "COMMITTED",
            ReservationStatus::Released => "RELEASED",
        }
    }

    /// The status spelled `stored`, if it is one.
    pub fn parse(stored: &str) -> Option<Self> {
        [
            ReservationStatus::Pending,
            ReservationStatus::Committed,
            ReservationStatus::Released,
        ]
        .into_iter()
        .find(|status| status.as_str() == stored)
    }
}

/// The stock one order holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reservation {
    /// The order holding the stock; an order has at most one reservation.
    pub order_id: OrderId,
    /// One line per SKU.
    pub lines: Vec<StockLine>,
    /// The shards the lines took their units from (see [`Reservation::shard_takes`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub takes: Vec<ShardTake>,
    /// Where the reservation is in its life.
    pub status: ReservationStatus,
    /// From this instant on, a pending reservation may be released by the sweeper.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// When the stock was reserved.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// On a flash sale's hold only: of its units, those promised to nobody yet (see
    /// [`super::hold`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promisable: Option<u32>,
    /// On an order that drew sale units from a hold: that hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn_from: Option<OrderId>,
}

impl Reservation {
    /// A new pending reservation of `lines` for `order`, made at `now`: duplicate SKUs
    /// merged, the expiry kept to the whole second (as DynamoDB's index keeps it).
    /// [`InventoryError::TooManyLines`] past [`MAX_RESERVATION_LINES`] SKUs.
    pub fn pending(
        order: OrderId,
        lines: &[StockLine],
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Self, InventoryError> {
        let lines = merge_lines(lines);
        if lines.len() > MAX_RESERVATION_LINES {
            return Err(InventoryError::TooManyLines);
        }
        Ok(Reservation {
            order_id: order,
            lines,
            takes: Vec::new(),
            status: ReservationStatus::Pending,
            expires_at: expires_at - Duration::nanoseconds(i64::from(expires_at.nanosecond())),
            created_at: now,
            promisable: None,
            drawn_from: None,
        })
    }

    /// Where the units came from: [`Reservation::takes`], or for a reservation made
    /// before stock was sharded, every line from shard 0.
    pub fn shard_takes(&self) -> Vec<ShardTake> {
        if !self.takes.is_empty() {
            return self.takes.clone();
        }
        self.lines
            .iter()
            .map(|line| ShardTake {
                sku: line.sku.clone(),
                shard: 0,
                quantity: line.quantity,
            })
            .collect()
    }

    /// The units of `sku` the reservation holds; 0 for a SKU it does not hold.
    pub fn units_of(&self, sku: &crate::domain::ids::Sku) -> u32 {
        self.lines
            .iter()
            .filter(|line| &line.sku == sku)
            .map(|line| line.quantity)
            .sum()
    }
}

/// `lines` with the quantities of each SKU summed into its first line, in the order the
/// SKUs first appear. A sum past `u32::MAX` stays at `u32::MAX`, which no stock covers.
pub fn merge_lines(lines: &[StockLine]) -> Vec<StockLine> {
    let mut merged: Vec<StockLine> = Vec::with_capacity(lines.len());
    for line in lines {
        match merged.iter_mut().find(|seen| seen.sku == line.sku) {
            Some(seen) => seen.quantity = seen.quantity.saturating_add(line.quantity),
            None => merged.push(line.clone()),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::ids::Sku;

    fn line(sku: &str, quantity: u32) -> StockLine {
        StockLine {
            sku: Sku::parse(sku).expect("a valid SKU"),
            quantity,
        }
    }

    fn order() -> OrderId {
        OrderId::parse("0b3c6c1e-5f7a-4d8e-9a41-2f0c1d7e6b55").expect("a valid order id")
    }

    #[test]
    fn merging_sums_duplicates_in_first_seen_order() {
        let lines = [line("B", 1), line("A", 2), line("B", 3), line("C", 1)];
        assert_eq!(
            merge_lines(&lines),
            vec![line("B", 4), line("A", 2), line("C", 1)]
        );
    }

    #[test]
    fn merging_distinct_lines_changes_nothing() {
        let lines = vec![line("A", 1), line("B", 2)];
        assert_eq!(merge_lines(&lines), lines);
        assert_eq!(merge_lines(&[]), vec![]);
    }

    #[test]
    fn merged_quantities_saturate() {
        assert_eq!(
            merge_lines(&[line("A", u32::MAX), line("A", 1)]),
            vec![line("A", u32::MAX)]
        );
    }

    #[test]
    fn a_pending_reservation_merges_its_lines_and_keeps_whole_seconds() {
        let now = datetime!(2030-01-01 00:00:00.5 UTC);
        let reservation = Reservation::pending(
            order(),
            &[line("A", 1), line("A", 2)],
            datetime!(2030-01-01 00:15:00.75 UTC),
            now,
        )
        .expect("one line is not too many");
        assert_eq!(reservation.lines, vec![line("A", 3)]);
        assert_eq!(reservation.status, ReservationStatus::Pending);
        assert_eq!(reservation.expires_at, datetime!(2030-01-01 00:15 UTC));
        assert_eq!(reservation.created_at, now);
    }

    #[test]
    fn too_many_skus_are_refused_after_merging() {
        let now = datetime!(2030-01-01 00:00 UTC);
        let skus: Vec<String> = (0..=MAX_RESERVATION_LINES)
            .map(|n| format!("SKU-{n}"))
            .collect();
        let too_many: Vec<StockLine> = skus.iter().map(|sku| line(sku, 1)).collect();
        assert_eq!(
            Reservation::pending(order(), &too_many, now, now),
            Err(InventoryError::TooManyLines)
        );
        let mut just_enough = too_many[..MAX_RESERVATION_LINES].to_vec();
        just_enough.push(line("SKU-0", 1));
        assert!(Reservation::pending(order(), &just_enough, now, now).is_ok());
    }

    #[test]
    fn statuses_read_back_as_spelled() {
        for status in [
            ReservationStatus::Pending,
            ReservationStatus::Committed,
            ReservationStatus::Released,
        ] {
            assert_eq!(ReservationStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).expect("a status serializes"),
                serde_json::json!(status.as_str())
            );
        }
        assert_eq!(ReservationStatus::parse("pending"), None);
    }
}

/// How a pending reservation is settled; each adapter turns it into its own counter update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// Paid: its units leave `reserved` and `on_hand` for `sold`.
    Commit,
    /// Given back: its units leave `reserved` for `available`.
    Release,
}

impl Settlement {
    /// The status the reservation ends in.
    pub fn status(self) -> ReservationStatus {
        match self {
            Settlement::Commit => ReservationStatus::Committed,
            Settlement::Release => ReservationStatus::Released,
        }
    }
}
