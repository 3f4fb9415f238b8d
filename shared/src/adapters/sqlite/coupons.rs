//! Coupons in SQLite: the coupon with its redemption count, each shopper's count, and one
//! row per order that redeemed it; a redemption or a release is one transaction over
//! the three.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};
use time::OffsetDateTime;

use super::{created, from_json, to_json, unavailable, Cached, SqliteDb};
use crate::domain::coupons::{
    Coupon, CouponRecord, CouponRefused, CouponStore, Redemption, Release,
};
use crate::domain::ids::{CouponCode, OrderId, UserId};
use crate::domain::store::StoreError;

/// [`CouponStore`] on SQLite.
#[derive(Clone)]
pub struct SqliteCoupons {
    db: SqliteDb,
}

impl SqliteCoupons {
    /// The coupon tables of `db`.
    pub fn new(db: SqliteDb) -> Self {
        SqliteCoupons { db }
    }
}

fn record(connection: &Connection, code: &str) -> Result<Option<CouponRecord>, StoreError> {
    connection
        .query_row_cached(
            "SELECT body, redemptions FROM coupons WHERE code = ?1",
            [code],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?)),
        )
        .optional()
        .map_err(unavailable)?
        .map(|(body, redemptions)| {
            Ok(CouponRecord {
                coupon: from_json(&body)?,
                redemptions,
            })
        })
        .transpose()
}

/// The redemption `?1` (code) and `?2` (order): its shopper and whether it was given back.
fn redemption(
    connection: &Connection,
    code: &str,
    order: &str,
) -> Result<Option<(String, bool)>, StoreError> {
    connection
        .query_row_cached(
            "SELECT user_id, released FROM coupon_redemptions WHERE code = ?1 AND order_id = ?2",
            [code, order],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(unavailable)
}

/// Why `coupon` cannot be redeemed by `user` now, by its stored state and counters.
fn refusal(
    connection: &Connection,
    coupon: &Coupon,
    user: &str,
) -> Result<Option<CouponRefused>, StoreError> {
    let code = coupon.code.as_str();
    let Some(record) = record(connection, code)? else {
        return Ok(Some(CouponRefused::Unknown));
    };
    if !record.coupon.active {
        return Ok(Some(CouponRefused::Inactive));
    }
    if coupon
        .max_redemptions
        .is_some_and(|max| record.redemptions >= max)
    {
        return Ok(Some(CouponRefused::Exhausted));
    }
    let by_user: u32 = connection
        .query_row_cached(
            "SELECT redemptions FROM coupon_customers WHERE code = ?1 AND user_id = ?2",
            [code, user],
            |row| row.get(0),
        )
        .optional()
        .map_err(unavailable)?
        .unwrap_or(0);
    Ok(coupon
        .per_customer_limit
        .is_some_and(|limit| by_user >= limit)
        .then_some(CouponRefused::CustomerLimitReached))
}

/// Moves the counters of `code` and of `user`'s use of it by `by`.
fn count(connection: &Connection, code: &str, user: &str, by: i64) -> Result<(), StoreError> {
    connection
        .execute_cached(
            "UPDATE coupons SET redemptions = redemptions + ?2 WHERE code = ?1",
            params![code, by],
        )
        .map_err(unavailable)?;
    connection
        .execute_cached(
            "INSERT INTO coupon_customers (code, user_id, redemptions) VALUES (?1, ?2, ?3)
             ON CONFLICT (code, user_id) DO UPDATE SET redemptions = redemptions + ?3",
            params![code, user, by],
        )
        .map_err(unavailable)?;
    Ok(())
}

#[async_trait]
impl CouponStore for SqliteCoupons {
    async fn create(&self, coupon: &Coupon) -> Result<(), StoreError> {
        let (code, body) = (coupon.code.to_string(), to_json(coupon)?);
        self.db
            .run(move |connection| {
                let inserted = connection
                    .execute_cached(
                        "INSERT INTO coupons (code, redemptions, body) VALUES (?1, 0, ?2)
                         ON CONFLICT (code) DO NOTHING",
                        params![code, body],
                    )
                    .map_err(unavailable)?;
                created(inserted)
            })
            .await
    }

    async fn coupon(&self, code: &CouponCode) -> Result<Option<CouponRecord>, StoreError> {
        let code = code.to_string();
        self.db
            .read(move |connection| record(connection, &code))
            .await
    }

    async fn set_active(
        &self,
        code: &CouponCode,
        active: bool,
        now: OffsetDateTime,
    ) -> Result<Option<CouponRecord>, StoreError> {
        let code = code.to_string();
        self.db
            .run(move |connection| {
                let Some(found) = record(connection, &code)? else {
                    return Ok(None);
                };
                let coupon = Coupon {
                    active,
                    updated_at: now,
                    ..found.coupon
                };
                connection
                    .execute_cached(
                        "UPDATE coupons SET body = ?2 WHERE code = ?1",
                        params![code, to_json(&coupon)?],
                    )
                    .map_err(unavailable)?;
                Ok(Some(CouponRecord {
                    coupon,
                    redemptions: found.redemptions,
                }))
            })
            .await
    }

    async fn redeem(
        &self,
        coupon: &Coupon,
        user: &UserId,
        order: &OrderId,
    ) -> Result<Redemption, StoreError> {
        let (coupon, user, order) = (coupon.clone(), user.to_string(), order.to_string());
        self.db
            .run(move |connection| {
                let code = coupon.code.as_str();
                if redemption(connection, code, &order)?.is_some() {
                    return Ok(Redemption::AlreadyRedeemed);
                }
                if let Some(reason) = refusal(connection, &coupon, &user)? {
                    return Ok(Redemption::Refused(reason));
                }
                let tx = connection.savepoint().map_err(unavailable)?;
                tx.execute_cached(
                    "INSERT INTO coupon_redemptions (code, order_id, user_id, released)
                     VALUES (?1, ?2, ?3, 0)",
                    params![code, order, user],
                )
                .map_err(unavailable)?;
                count(&tx, code, &user, 1)?;
                tx.commit().map_err(unavailable)?;
                Ok(Redemption::Redeemed)
            })
            .await
    }

    async fn release(&self, code: &CouponCode, order: &OrderId) -> Result<Release, StoreError> {
        let (code, order) = (code.to_string(), order.to_string());
        self.db
            .run(move |connection| {
                let user = match redemption(connection, &code, &order)? {
                    None => return Ok(Release::NotRedeemed),
                    Some((_, true)) => return Ok(Release::AlreadyReleased),
                    Some((user, false)) => user,
                };
                let tx = connection.savepoint().map_err(unavailable)?;
                tx.execute_cached(
                    "UPDATE coupon_redemptions SET released = 1 WHERE code = ?1 AND order_id = ?2",
                    params![code, order],
                )
                .map_err(unavailable)?;
                count(&tx, &code, &user, -1)?;
                tx.commit().map_err(unavailable)?;
                Ok(Release::Released)
            })
            .await
    }
}
