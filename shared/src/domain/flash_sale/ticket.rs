//! A buyer's ticket in a sale's waiting room: its place in the queue, then the units it
//! was promised and what the buyer has bought with them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use super::FlashSale;
use crate::domain::ids::{OrderId, SaleId, TicketId, UserId};

/// Where a ticket stands in the queue: the lower, the sooner. Tickets taken before the
/// sale starts get a key drawn from their (random) id, so they are shuffled and joining
/// first gives no advantage; later ones queue behind them, in the order they came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QueueKey(pub i64);

/// Keys of tickets taken after the start begin here (2^62); the drawn ones are below.
const LATE_BASE: i64 = 1 << 62;

impl QueueKey {
    /// The key of `ticket`, taken at `now` for `sale`.
    pub fn of(sale: &FlashSale, ticket: &TicketId, now: OffsetDateTime) -> Self {
        if now < sale.starts_at {
            let digest = Sha256::digest(format!("{}:{ticket}", sale.id).as_bytes());
            let mut first = [0u8; 8];
            first.copy_from_slice(&digest[..8]);
            QueueKey((u64::from_be_bytes(first) >> 2) as i64)
        } else {
            let late = (now - sale.starts_at).whole_microseconds();
            QueueKey(LATE_BASE.saturating_add(i64::try_from(late).unwrap_or(i64::MAX / 2)))
        }
    }
}

/// What the store keeps of a ticket's progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketStatus {
    /// In the queue.
    Waiting,
    /// Holding units under a purchase token.
    Admitted,
    /// The token ran out; its unused units went back to the sale.
    Expired,
}

impl TicketStatus {
    /// The status as stores spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "WAITING",
            TicketStatus::Admitted => "ADMITTED",
            TicketStatus::Expired => "EXPIRED",
        }
    }

    /// The status spelled `stored`, if it is one.
    pub fn parse(stored: &str) -> Option<Self> {
        [
            TicketStatus::Waiting,
            TicketStatus::Admitted,
            TicketStatus::Expired,
        ]
        .into_iter()
        .find(|status| status.as_str() == stored)
    }
}

/// A buyer's ticket; one per buyer per sale. Every change is a write conditional on
/// `version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub sale_id: SaleId,
    pub buyer: UserId,
    pub id: TicketId,
    pub queue_key: QueueKey,
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
    pub status: TicketStatus,
    /// The hold the promised units are in, once admitted.
    pub hold: Option<u32>,
    /// Units promised to the buyer.
    pub held: u32,
    /// Of those, units the buyer's orders took.
    pub used: u32,
    /// The purchase token handed out on admission.
    pub token_id: Option<Uuid>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub token_expires_at: Option<OffsetDateTime>,
    /// The orders that took units, each once.
    pub orders: Vec<OrderId>,
    pub version: u64,
}

/// What a checkout's claim on a ticket's units did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The ticket with the order's units counted, to be written.
    Counted(Ticket),
    /// The order had counted its units before (a retried checkout).
    AlreadyCounted,
}

/// Why a purchase token's units cannot be claimed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClaimRefused {
    #[error("the ticket holds no purchase token")]
    NotAdmitted,
    #[error("the purchase token is not this ticket's")]
    OtherToken,
    #[error("the purchase token has expired")]
    Expired,
    /// Asked for more units than the token has left.
    #[error("the purchase token has {left} unit(s) left; at most {limit} per buyer")]
    Exhausted { left: u32, limit: u32 },
}

impl Ticket {
    /// A waiting ticket for `buyer`, taken at `now`.
    pub fn new(sale: &FlashSale, buyer: UserId, id: TicketId, now: OffsetDateTime) -> Self {
        Ticket {
            sale_id: sale.id,
            buyer,
            id,
            queue_key: QueueKey::of(sale, &id, now),
            joined_at: now,
            status: TicketStatus::Waiting,
            hold: None,
            held: 0,
            used: 0,
            token_id: None,
            token_expires_at: None,
            orders: Vec::new(),
            version: 1,
        }
    }

    /// This waiting ticket holding `units` of hold `hold` under the token `token_id`
    /// until `expires_at`.
    pub fn admitted(
        &self,
        hold: u32,
        units: u32,
        token_id: Uuid,
        expires_at: OffsetDateTime,
    ) -> Self {
        Ticket {
            status: TicketStatus::Admitted,
            hold: Some(hold),
            held: units,
            token_id: Some(token_id),
            token_expires_at: Some(expires_at),
            version: self.version + 1,
            ..self.clone()
        }
    }

    /// Units promised and not yet taken by an order.
    pub fn unused(&self) -> u32 {
        self.held.saturating_sub(self.used)
    }

    /// Whether the token of this admitted ticket has run out at `now`.
    pub fn token_expired(&self, now: OffsetDateTime) -> bool {
        self.status == TicketStatus::Admitted
            && self.token_expires_at.is_none_or(|expires| expires <= now)
    }

    /// This ticket, its token expired at `now`: [`TicketStatus::Expired`], its unused
    /// units to go back. `None` unless the token has run out.
    pub fn expired(&self, now: OffsetDateTime) -> Option<Self> {
        self.token_expired(now).then(|| Ticket {
            status: TicketStatus::Expired,
            version: self.version + 1,
            ..self.clone()
        })
    }

    /// Counts `quantity` units against the token `token_id` for `order` at `now`, at most
    /// the units promised over all the buyer's orders.
    pub fn claim(
        &self,
        token_id: Uuid,
        order: OrderId,
        quantity: u32,
        limit: u32,
        now: OffsetDateTime,
    ) -> Result<Claim, ClaimRefused> {
        if self.orders.contains(&order) {
            return Ok(Claim::AlreadyCounted);
        }
        match self.status {
            TicketStatus::Waiting => return Err(ClaimRefused::NotAdmitted),
            TicketStatus::Expired => return Err(ClaimRefused::Expired),
            TicketStatus::Admitted => {}
        }
        if self.token_id != Some(token_id) {
            return Err(ClaimRefused::OtherToken);
        }
        if self.token_expired(now) {
            return Err(ClaimRefused::Expired);
        }
        if quantity == 0 || quantity > self.unused() {
            return Err(ClaimRefused::Exhausted {
                left: self.unused(),
                limit,
            });
        }
        let mut orders = self.orders.clone();
        orders.push(order);
        Ok(Claim::Counted(Ticket {
            used: self.used + quantity,
            orders,
            version: self.version + 1,
            ..self.clone()
        }))
    }

    /// This ticket without the claim `order` made of `quantity` units, its checkout having
    /// failed; `None` if the order claimed nothing. While the token holds, the units may
    /// be claimed again; once it has expired, the caller gives them back to the hold.
    pub fn unclaimed(&self, order: OrderId, quantity: u32) -> Option<Self> {
        let position = self.orders.iter().position(|claimed| *claimed == order)?;
        let mut orders = self.orders.clone();
        orders.remove(position);
        Some(Ticket {
            used: self.used.saturating_sub(quantity),
            orders,
            version: self.version + 1,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    fn sale() -> FlashSale {
        super::super::sale::example(10, 4)
    }

    fn ticket(n: u128, at: OffsetDateTime) -> Ticket {
        Ticket::new(
            &sale(),
            UserId::parse(&format!("buyer{n}")).unwrap(),
            TicketId::from_uuid(Uuid::from_u128(n)),
            at,
        )
    }

    #[test]
    fn early_tickets_are_shuffled_and_late_ones_queue_behind_in_order() {
        let early_at = OffsetDateTime::UNIX_EPOCH;
        let early: Vec<QueueKey> = (1..=50).map(|n| ticket(n, early_at).queue_key).collect();
        let mut sorted = early.clone();
        sorted.sort();
        assert_ne!(
            early, sorted,
            "joining order decides nothing before the start"
        );
        let start = sale().starts_at;
        let late_one = ticket(51, start + Duration::seconds(1)).queue_key;
        let late_two = ticket(52, start + Duration::seconds(2)).queue_key;
        assert!(early.iter().all(|key| *key < late_one));
        assert!(late_one < late_two);
    }

    #[test]
    fn claims_count_once_per_order_and_never_past_the_units_held() {
        let now = sale().starts_at;
        let token = Uuid::from_u128(99);
        let admitted = ticket(1, now).admitted(0, 2, token, now + Duration::seconds(300));
        let first = OrderId::from_uuid(Uuid::from_u128(1));
        let Ok(Claim::Counted(after)) = admitted.claim(token, first, 1, 2, now) else {
            panic!("the first claim was refused");
        };
        assert_eq!(
            after.claim(token, first, 1, 2, now),
            Ok(Claim::AlreadyCounted)
        );
        let second = OrderId::from_uuid(Uuid::from_u128(2));
        assert_eq!(
            after.claim(token, second, 2, 2, now),
            Err(ClaimRefused::Exhausted { left: 1, limit: 2 })
        );
        assert_eq!(
            after.claim(Uuid::from_u128(5), second, 1, 2, now),
            Err(ClaimRefused::OtherToken)
        );
        assert_eq!(
            after.claim(token, second, 1, 2, now + Duration::seconds(300)),
            Err(ClaimRefused::Expired)
        );
        let expired = after.expired(now + Duration::seconds(300)).unwrap();
        assert_eq!(
            (expired.status, expired.unused()),
            (TicketStatus::Expired, 1)
        );
        assert!(after.expired(now).is_none());
        let unclaimed = after.unclaimed(first, 1).unwrap();
        assert_eq!((unclaimed.used, unclaimed.orders.len()), (0, 0));
        assert!(unclaimed.unclaimed(first, 1).is_none());
    }
}
