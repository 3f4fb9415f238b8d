//! A flash sale's terms, its phase at an instant and its status as buyers see it.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::domain::ids::{OrderId, ProductId, SaleId, Sku};
use crate::domain::money::Money;
use crate::domain::validation::{Checks, FieldError};

/// The most holds a sale spreads its units over (one DynamoDB item each).
pub const MAX_HOLDS: u32 = 32;
/// The most units one sale may offer.
const MAX_UNITS: u32 = 1_000_000;
/// The most units one buyer may be allowed.
const MAX_PER_CUSTOMER: u32 = 100;
/// Bounds of a purchase token's life, in seconds.
const TOKEN_TTL_SECONDS: std::ops::RangeInclusive<u32> = 30..=3_600;
/// The longest a sale may run.
const MAX_DURATION: Duration = Duration::days(31);

const HOLD_NAMESPACE: Uuid = Uuid::from_u128(0x6d61_6d62_6f67_4f00_8000_686f_6c64_7300);

/// A flash sale as the shop keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlashSale {
    pub id: SaleId,
    pub sku: Sku,
    /// The product the SKU is a variant of.
    pub product_id: ProductId,
    /// Units set aside for the sale when it was created.
    pub units: u32,
    pub sale_price: Money,
    /// The variant's price when the sale was created.
    pub regular_price: Money,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// The most units one buyer may buy in this sale, over all their orders.
    pub per_customer_limit: u32,
    /// How long a purchase token holds its units.
    pub token_ttl_seconds: u32,
    /// How many holds the units are spread over.
    pub holds: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Where a sale is in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SalePhase {
    /// Before `starts_at`: buyers may join the waiting room.
    Scheduled,
    /// From `starts_at` until `ends_at`.
    Open,
    /// From `ends_at` on.
    Ended,
}

/// A sale's status as the public sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SaleStatus {
    Scheduled,
    Open,
    /// Open, but every unit is sold or promised.
    SoldOut,
    Ended,
}

/// What an operator asks for when creating a sale; checked by [`NewSale::check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSale {
    pub sku: Sku,
    pub units: u32,
    pub sale_price: Money,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub per_customer_limit: u32,
    pub token_ttl_seconds: u32,
    pub holds: u32,
}

impl NewSale {
    /// Checks the terms against each other, against the variant's `regular_price` and
    /// against `now`; every mistake is named.
    pub fn check(&self, regular_price: Money, now: OffsetDateTime) -> Result<(), Vec<FieldError>> {
        let mut checks = Checks::default();
        checks.require(
            (1..=MAX_UNITS).contains(&self.units),
            "units",
            format!("must be 1 to {MAX_UNITS}"),
        );
        checks.require(
            self.sale_price.currency == regular_price.currency,
            "salePrice.currency",
            format!("must be the shop's currency, {}", regular_price.currency),
        );
        checks.require(
            self.sale_price.amount > 0 && self.sale_price.amount < regular_price.amount,
            "salePrice.amount",
            format!(
                "must be above 0 and below the regular price, {}",
                regular_price.amount
            ),
        );
        checks.require(
            self.ends_at > self.starts_at && self.ends_at - self.starts_at <= MAX_DURATION,
            "endsAt",
            "must be after startsAt, by at most 31 days",
        );
        checks.require(self.ends_at > now, "endsAt", "must be in the future");
        checks.require(
            (1..=MAX_PER_CUSTOMER).contains(&self.per_customer_limit),
            "perCustomerLimit",
            format!("must be 1 to {MAX_PER_CUSTOMER}"),
        );
        checks.require(
            TOKEN_TTL_SECONDS.contains(&self.token_ttl_seconds),
            "tokenTtlSeconds",
            format!(
                "must be {} to {} seconds",
                TOKEN_TTL_SECONDS.start(),
                TOKEN_TTL_SECONDS.end()
            ),
        );
        checks.require(
            (1..=MAX_HOLDS).contains(&self.holds),
            "shards",
            format!("must be 1 to {MAX_HOLDS}"),
        );
        checks.finish()
    }
}

impl FlashSale {
    /// The reservation id of hold `index`: the same for every process.
    pub fn hold_id(&self, index: u32) -> OrderId {
        let name = format!("{}#{index}", self.id);
        OrderId::from_uuid(Uuid::new_v5(&HOLD_NAMESPACE, name.as_bytes()))
    }

    /// Every hold's reservation id, by index.
    pub fn hold_ids(&self) -> Vec<OrderId> {
        (0..self.holds).map(|index| self.hold_id(index)).collect()
    }

    /// The units each hold sets aside: as even as can be, the first ones one more.
    pub fn units_per_hold(&self) -> Vec<u32> {
        let base = self.units / self.holds.max(1);
        let extra = self.units % self.holds.max(1);
        (0..self.holds)
            .map(|index| base + u32::from(index < extra))
            .collect()
    }

    /// Where the sale is at `now`.
    pub fn phase(&self, now: OffsetDateTime) -> SalePhase {
        if now < self.starts_at {
            SalePhase::Scheduled
        } else if now < self.ends_at {
            SalePhase::Open
        } else {
            SalePhase::Ended
        }
    }

    /// The status at `now`, with `left` units not yet sold or promised.
    pub fn status(&self, now: OffsetDateTime, left: u64) -> SaleStatus {
        match self.phase(now) {
            SalePhase::Scheduled => SaleStatus::Scheduled,
            SalePhase::Open if left == 0 => SaleStatus::SoldOut,
            SalePhase::Open => SaleStatus::Open,
            SalePhase::Ended => SaleStatus::Ended,
        }
    }

    /// When a token handed out at `now` expires: its time to live later, but never after
    /// the sale ends (the holds go back to stock then).
    pub fn token_expiry(&self, now: OffsetDateTime) -> OffsetDateTime {
        (now + Duration::seconds(i64::from(self.token_ttl_seconds))).min(self.ends_at)
    }
}

/// A sale of `units` units over `holds` holds, starting an hour after the epoch; for tests.
#[cfg(test)]
pub(super) fn example(units: u32, holds: u32) -> FlashSale {
    let terms = tests::terms();
    FlashSale {
        id: SaleId::from_uuid(Uuid::nil()),
        sku: terms.sku,
        product_id: ProductId::parse("p1").unwrap(),
        units,
        sale_price: terms.sale_price,
        regular_price: Money::new(1_000, crate::domain::money::Currency::USD),
        starts_at: terms.starts_at,
        ends_at: terms.ends_at,
        per_customer_limit: 1,
        token_ttl_seconds: 300,
        holds,
        created_at: OffsetDateTime::UNIX_EPOCH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;

    pub(super) fn terms() -> NewSale {
        NewSale {
            sku: Sku::parse("HP-1").unwrap(),
            units: 10,
            sale_price: Money::new(500, Currency::USD),
            starts_at: OffsetDateTime::UNIX_EPOCH + Duration::hours(1),
            ends_at: OffsetDateTime::UNIX_EPOCH + Duration::hours(2),
            per_customer_limit: 1,
            token_ttl_seconds: 300,
            holds: 4,
        }
    }

    #[test]
    fn every_mistake_in_the_terms_is_named() {
        let mut bad = terms();
        bad.units = 0;
        bad.sale_price = Money::new(2_000, Currency::USD);
        bad.ends_at = bad.starts_at;
        bad.token_ttl_seconds = 5;
        let Err(fields) = bad.check(Money::new(1_000, Currency::USD), OffsetDateTime::UNIX_EPOCH)
        else {
            panic!("bad terms were accepted");
        };
        let named: Vec<_> = fields.iter().map(|field| field.field.as_str()).collect();
        assert_eq!(
            named,
            ["units", "salePrice.amount", "endsAt", "tokenTtlSeconds"]
        );
        assert!(terms()
            .check(Money::new(1_000, Currency::USD), OffsetDateTime::UNIX_EPOCH)
            .is_ok());
    }

    #[test]
    fn units_spread_evenly_over_holds_and_hold_ids_are_stable() {
        let sale = example(10, 4);
        assert_eq!(sale.units_per_hold(), [3, 3, 2, 2]);
        assert_eq!(sale.hold_ids(), sale.hold_ids());
        assert_ne!(sale.hold_id(0), sale.hold_id(1));
    }

    #[test]
    fn the_status_follows_the_clock_and_the_units_left() {
        let sale = example(10, 4);
        assert_eq!(
            sale.status(OffsetDateTime::UNIX_EPOCH, 10),
            SaleStatus::Scheduled
        );
        assert_eq!(sale.status(sale.starts_at, 10), SaleStatus::Open);
        assert_eq!(sale.status(sale.starts_at, 0), SaleStatus::SoldOut);
        assert_eq!(sale.status(sale.ends_at, 3), SaleStatus::Ended);
        assert_eq!(
            sale.token_expiry(sale.ends_at - Duration::seconds(10)),
            sale.ends_at
        );
    }
}
