//! Coupons: a code that takes a percentage or an amount off the lines it applies to,
//! within its dates, above a minimum subtotal, at most so many times in all and per
//! shopper. How many times it was redeemed is kept by the store as counters that every
//! redemption and release moves atomically ([`CouponStore`]); the coupon itself says
//! only what it gives and when.

mod discount;
mod draft;
mod store;

pub use discount::{spread_discount, DiscountedLine};
pub use draft::CouponDraft;
pub use store::{CouponRecord, CouponStore, Redemption, Release};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::ids::{CategoryId, CouponCode, Sku};
use crate::domain::money::Money;

/// What a coupon takes off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Discount {
    /// This many percent (1 to 100) of the lines it applies to, rounded half up to the
    /// minor unit.
    PercentOff(u8),
    /// This amount, at most what the lines it applies to cost.
    AmountOff(Money),
}

/// The lines a coupon applies to: those of these categories or SKUs. Absent, every line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppliesTo {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<CategoryId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<Sku>,
}

impl AppliesTo {
    /// Whether a line of `sku`, of a product in `category`, is one it applies to.
    pub fn covers(&self, sku: &Sku, category: &CategoryId) -> bool {
        self.skus.contains(sku) || self.categories.contains(category)
    }
}

/// A coupon as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coupon {
    pub code: CouponCode,
    pub discount: Discount,
    /// The subtotal of the lines it applies to must reach this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_subtotal: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<AppliesTo>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub starts_at: Option<OffsetDateTime>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub ends_at: Option<OffsetDateTime>,
    /// Orders that may carry it, over all shoppers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_redemptions: Option<u32>,
    /// Orders one shopper may place with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_customer_limit: Option<u32>,
    /// An operator may deactivate it; then no order takes it.
    pub active: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Why a coupon does not apply; every reason names itself to the shopper.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CouponRefused {
    #[error("no coupon has this code")]
    Unknown,
    #[error("this coupon is no longer active")]
    Inactive,
    #[error("this coupon is not valid yet")]
    NotStarted,
    #[error("this coupon has expired")]
    Expired,
    #[error("this coupon has been used as often as it may be")]
    Exhausted,
    #[error("you have used this coupon as often as you may")]
    CustomerLimitReached,
    #[error("this coupon needs a subtotal of at least {0} minor units")]
    BelowMinimum(i64),
    #[error("this coupon applies to nothing in the cart")]
    NotApplicable,
}

impl Coupon {
    /// Why the coupon cannot be used at `now`, judging by itself alone (its counters are
    /// checked when it is redeemed).
    pub fn refusal_at(&self, now: OffsetDateTime) -> Option<CouponRefused> {
        if !self.active {
            Some(CouponRefused::Inactive)
        } else if self.starts_at.is_some_and(|starts| now < starts) {
            Some(CouponRefused::NotStarted)
        } else if self.ends_at.is_some_and(|ends| now >= ends) {
            Some(CouponRefused::Expired)
        } else {
            None
        }
    }

    /// Whether it applies to a line of `sku`, of a product in `category`.
    pub fn covers(&self, sku: &Sku, category: &CategoryId) -> bool {
        self.applies_to
            .as_ref()
            .is_none_or(|applies| applies.covers(sku, category))
    }
}
