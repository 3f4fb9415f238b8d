//! Holds: a flash sale's units set aside from stock, promised to admitted buyers and
//! drawn by their orders.
//!
//! A hold is a pending [`Reservation`] of the sale's SKU with
//! [`promisable`](Reservation::promisable) set: of its units, those promised to nobody
//! yet. Admitting a buyer promises units, in one conditional update of the hold alone;
//! a token that runs out unused gives them back. The buyer's order *draws* its sale
//! units from the hold (every unit of the sale's SKU it reserves): they move, with the
//! shards they were taken from, out of the hold's reservation into the order's, in one
//! transaction. The shards' counters do not
//! change, so every reserved unit stays in exactly one pending reservation and the
//! inventory invariant holds as it is. A drawn order released while its hold is still
//! pending gives its units back to the hold, promisable again; after the hold has gone
//! back to stock, to stock. A hold expires when its sale ends, and the sweeper releases
//! what is left of it to stock as it does any expired reservation.

use time::OffsetDateTime;

use super::{InventoryError, Reservation, ReservationStatus, ShardTake, StockLine};
use crate::domain::ids::{OrderId, Sku};

impl Reservation {
    /// A new pending hold `hold` of `line` until `expires_at`, every unit promisable.
    pub fn hold(
        hold: OrderId,
        line: &StockLine,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Self, InventoryError> {
        let mut reservation =
            Reservation::pending(hold, std::slice::from_ref(line), expires_at, now)?;
        reservation.promisable = Some(line.quantity);
        Ok(reservation)
    }

    /// Whether this is a flash sale's hold.
    pub fn is_hold(&self) -> bool {
        self.promisable.is_some()
    }

    /// The SKU a hold sets aside.
    pub fn held_sku(&self) -> Option<&Sku> {
        self.lines
            .first()
            .map(|line| &line.sku)
            .filter(|_| self.is_hold())
    }

    /// Where the units of this drawn order go when it is released, `hold` being its
    /// hold as read now: the takes to give back to stock, and the hold with the rest
    /// back in it while it is pending (`None`: everything goes to stock).
    pub fn released_into(
        &self,
        hold: Option<&Reservation>,
    ) -> (Vec<ShardTake>, Option<Reservation>) {
        let back_into = hold.and_then(|hold| {
            let sku = hold.held_sku()?;
            let (back, rest): (Vec<ShardTake>, Vec<ShardTake>) = self
                .shard_takes()
                .into_iter()
                .partition(|take| &take.sku == sku);
            Some((rest, hold.given_back(&back)?))
        });
        match back_into {
            Some((rest, after)) => (rest, Some(after)),
            None => (self.shard_takes(), None),
        }
    }

    /// This pending hold with `units` of `sku` drawn out, and the shards they leave
    /// from; `None` unless it is a pending hold of at least that many units of `sku`.
    /// The units were promised before they are drawn, so what is promisable stays.
    pub fn drawn(&self, sku: &Sku, units: u32) -> Option<(Reservation, Vec<ShardTake>)> {
        if !self.is_hold() || self.status != ReservationStatus::Pending || units == 0 {
            return None;
        }
        // Only promised units may be drawn: what is promisable stays in the hold.
        let promisable = self.promisable.unwrap_or(0);
        if self.units_of(sku).checked_sub(units)? < promisable {
            return None;
        }
        let mut hold = self.clone();
        let mut moved = Vec::new();
        let mut wanted = units;
        for take in hold.takes.iter_mut().filter(|take| &take.sku == sku) {
            let part = take.quantity.min(wanted);
            if part > 0 {
                take.quantity -= part;
                wanted -= part;
                moved.push(ShardTake {
                    sku: sku.clone(),
                    shard: take.shard,
                    quantity: part,
                });
            }
        }
        if wanted > 0 {
            return None;
        }
        hold.takes.retain(|take| take.quantity > 0);
        for line in hold.lines.iter_mut().filter(|line| &line.sku == sku) {
            line.quantity -= units;
        }
        Some((hold, moved))
    }

    /// This pending hold with the units of `takes` back, promisable again; `None`
    /// unless it is a pending hold.
    pub fn given_back(&self, takes: &[ShardTake]) -> Option<Reservation> {
        if !self.is_hold() || self.status != ReservationStatus::Pending {
            return None;
        }
        let mut hold = self.clone();
        let mut units: u32 = 0;
        for back in takes {
            units = units.saturating_add(back.quantity);
            match hold
                .takes
                .iter_mut()
                .find(|take| take.sku == back.sku && take.shard == back.shard)
            {
                Some(take) => take.quantity = take.quantity.saturating_add(back.quantity),
                None => hold.takes.push(back.clone()),
            }
            match hold.lines.iter_mut().find(|line| line.sku == back.sku) {
                Some(line) => line.quantity = line.quantity.saturating_add(back.quantity),
                None => hold.lines.push(super::StockLine {
                    sku: back.sku.clone(),
                    quantity: back.quantity,
                }),
            }
        }
        hold.promisable = hold.promisable.map(|left| left.saturating_add(units));
        Some(hold)
    }
}
