//! Coupons: an operator creates, reads and deactivates them; a quote and a checkout look
//! one up by the code a shopper typed and refuse it naming why; an order that fails or is
//! cancelled gives its redemption back ([`crate::application::consumers`]).

use crate::application::error::ShopError;
use crate::application::Services;
use crate::domain::coupons::{
    Coupon, CouponDraft, CouponRecord, CouponRefused, Redemption, Release,
};
use crate::domain::events;
use crate::domain::ids::{CouponCode, OrderId, UserId};
use crate::domain::orders::Order;
use crate::domain::store::{retry_on_conflict, StoreError};
use crate::domain::validation::FieldError;

/// A refused coupon, as the field `couponCode` of the request.
pub fn refused(reason: &CouponRefused) -> ShopError {
    ShopError::Invalid(vec![FieldError::new("couponCode", reason.to_string())])
}

/// The coupon a shopper typed as `code` (any case), usable now; refused naming why.
pub async fn usable_coupon(services: &Services, code: &str) -> Result<Coupon, ShopError> {
    let code = CouponCode::typed(code).map_err(|_| refused(&CouponRefused::Unknown))?;
    let record = services
        .coupons
        .coupon(&code)
        .await?
        .ok_or_else(|| refused(&CouponRefused::Unknown))?;
    match record.coupon.refusal_at(services.clock.now()) {
        Some(reason) => Err(refused(&reason)),
        None => Ok(record.coupon),
    }
}

/// Counts `coupon` once for `order` of `user`, atomically against its limits; refused
/// (422) naming why. A retried checkout of the same order counts nothing more.
pub async fn redeem(
    services: &Services,
    coupon: &Coupon,
    user: &UserId,
    order: &OrderId,
) -> Result<(), ShopError> {
    let redeemed = retry_on_conflict(|| services.coupons.redeem(coupon, user, order)).await?;
    match redeemed {
        Redemption::Redeemed | Redemption::AlreadyRedeemed => Ok(()),
        Redemption::Refused(reason) => Err(refused(&reason)),
    }
}

/// Gives back the redemption of `order`'s coupon, once however often asked, and
/// publishes CouponReleased (again, under the same event id, if an earlier call gave it
/// back): an order that fails or is cancelled frees its use of the coupon.
pub async fn give_back(services: &Services, order: &Order) -> Result<(), ShopError> {
    let Some(code) = &order.coupon_code else {
        return Ok(());
    };
    match retry_on_conflict(|| services.coupons.release(code, &order.id)).await? {
        Release::Released | Release::AlreadyReleased => {
            services
                .events
                .publish(vec![events::coupon_released(order)?])
                .await?;
        }
        Release::NotRedeemed => {}
    }
    Ok(())
}

/// Creates the coupon `draft` describes; 409 when its code is taken.
pub async fn create_coupon(
    services: &Services,
    draft: CouponDraft,
) -> Result<CouponRecord, ShopError> {
    let coupon = draft
        .into_coupon(services.currency, services.clock.now())
        .map_err(ShopError::Invalid)?;
    match services.coupons.create(&coupon).await {
        Ok(()) => Ok(CouponRecord {
            coupon,
            redemptions: 0,
        }),
        Err(StoreError::AlreadyExists) => Err(ShopError::Conflict(format!(
            "a coupon {} exists already",
            coupon.code
        ))),
        Err(error) => Err(error.into()),
    }
}

fn missing(code: &CouponCode) -> ShopError {
    ShopError::Missing(format!("no coupon {code}"))
}

/// The coupon `code` with its redemptions, for an operator.
pub async fn coupon_for_admin(
    services: &Services,
    code: &CouponCode,
) -> Result<CouponRecord, ShopError> {
    services
        .coupons
        .coupon(code)
        .await?
        .ok_or_else(|| missing(code))
}

/// Activates or deactivates the coupon `code`.
pub async fn set_active(
    services: &Services,
    code: &CouponCode,
    active: bool,
) -> Result<CouponRecord, ShopError> {
    services
        .coupons
        .set_active(code, active, services.clock.now())
        .await?
        .ok_or_else(|| missing(code))
}
