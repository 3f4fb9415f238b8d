//! The coupons' store port: the coupons, and the counters of their redemptions (in all,
//! per shopper) that one transaction moves with each redemption and release.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{Coupon, CouponRefused};
use crate::domain::ids::{CouponCode, OrderId, UserId};
use crate::domain::store::StoreError;

/// A coupon and the orders that carry it now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CouponRecord {
    pub coupon: Coupon,
    /// Redemptions not given back.
    pub redemptions: u32,
}

/// What asking to redeem a coupon for an order did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redemption {
    /// Counted now, against the coupon and the shopper.
    Redeemed,
    /// The order had redeemed it already (a retried checkout); nothing changed.
    AlreadyRedeemed,
    /// Not counted: inactive, unknown, used up in all or by this shopper.
    Refused(CouponRefused),
}

/// What asking to give a redemption back did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Given back now: both counters went down.
    Released,
    /// An earlier call gave it back.
    AlreadyReleased,
    /// The order never redeemed the coupon.
    NotRedeemed,
}

/// Coupons and their redemptions.
#[async_trait]
pub trait CouponStore: Send + Sync {
    /// Stores a new coupon, none redeemed; [`StoreError::AlreadyExists`] for a code taken.
    async fn create(&self, coupon: &Coupon) -> Result<(), StoreError>;

    /// The coupon `code`, with its redemptions.
    async fn coupon(&self, code: &CouponCode) -> Result<Option<CouponRecord>, StoreError>;

    /// Activates or deactivates the coupon `code` at `now`; `None` when there is none.
    async fn set_active(
        &self,
        code: &CouponCode,
        active: bool,
        now: OffsetDateTime,
    ) -> Result<Option<CouponRecord>, StoreError>;

    /// Counts one use of `coupon` by `user` for `order`, in one transaction that also
    /// checks it is active, below its `max_redemptions` and below the shopper's
    /// `per_customer_limit`: of racing redemptions exactly as many as the limits allow
    /// are counted. Asked again for the same order, it counts nothing.
    async fn redeem(
        &self,
        coupon: &Coupon,
        user: &UserId,
        order: &OrderId,
    ) -> Result<Redemption, StoreError>;

    /// Gives back the use `order` made of `code`: both counters go down, once however
    /// often this is asked.
    async fn release(&self, code: &CouponCode, order: &OrderId) -> Result<Release, StoreError>;
}
