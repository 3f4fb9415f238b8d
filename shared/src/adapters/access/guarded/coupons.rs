//! The coupon store behind a function's grant on the `coupons` table.

use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::TableGrant;
use crate::adapters::access::manifest::Access;
use crate::domain::coupons::{Coupon, CouponRecord, CouponStore, Redemption, Release};
use crate::domain::ids::{CouponCode, OrderId, UserId};
use crate::domain::store::StoreError;

/// A [`CouponStore`] that checks the function's grant before every call.
pub struct GuardedCoupons {
    inner: Arc<dyn CouponStore>,
    grant: TableGrant,
}

impl GuardedCoupons {
    /// `inner`, used within `grant`.
    pub fn new(inner: Arc<dyn CouponStore>, grant: TableGrant) -> Self {
        GuardedCoupons { inner, grant }
    }
}

#[async_trait]
impl CouponStore for GuardedCoupons {
    async fn create(&self, coupon: &Coupon) -> Result<(), StoreError> {
        self.grant
            .call(Access::Write, "create", self.inner.create(coupon))
            .await
    }

    async fn coupon(&self, code: &CouponCode) -> Result<Option<CouponRecord>, StoreError> {
        self.grant
            .call(Access::Read, "coupon", self.inner.coupon(code))
            .await
    }

    async fn set_active(
        &self,
        code: &CouponCode,
        active: bool,
        now: OffsetDateTime,
    ) -> Result<Option<CouponRecord>, StoreError> {
        self.grant
            .call(
                Access::Write,
                "set_active",
                self.inner.set_active(code, active, now),
            )
            .await
    }

    async fn redeem(
        &self,
        coupon: &Coupon,
        user: &UserId,
        order: &OrderId,
    ) -> Result<Redemption, StoreError> {
        self.grant
            .call(
                Access::Write,
                "redeem",
                self.inner.redeem(coupon, user, order),
            )
            .await
    }

    async fn release(&self, code: &CouponCode, order: &OrderId) -> Result<Release, StoreError> {
        self.grant
            .call(Access::Write, "release", self.inner.release(code, order))
            .await
    }
}
