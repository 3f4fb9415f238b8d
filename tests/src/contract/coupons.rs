//! What every [`CouponStore`] must do: redemptions counted atomically against the
//! coupon's maximum and each shopper's limit, once per order, and given back once.

use std::sync::Arc;

use mambogo::domain::coupons::{Coupon, CouponRefused, CouponStore, Discount, Redemption, Release};
use mambogo::domain::ids::{CouponCode, OrderId, UserId};
use mambogo::domain::store::StoreError;
use uuid::Uuid;

use super::NOW;

fn coupon(code: &str, max: Option<u32>, per_customer: Option<u32>) -> Coupon {
    Coupon {
        code: CouponCode::parse(code).expect("a valid code"),
        discount: Discount::PercentOff(10),
        min_subtotal: None,
        applies_to: None,
        starts_at: None,
        ends_at: None,
        max_redemptions: max,
        per_customer_limit: per_customer,
        active: true,
        created_at: NOW,
        updated_at: NOW,
    }
}

fn shopper(n: usize) -> UserId {
    UserId::parse(&format!("shopper-{n}")).expect("a valid user id")
}

fn order() -> OrderId {
    OrderId::from_uuid(Uuid::new_v4())
}

async fn redemptions(store: &dyn CouponStore, coupon: &Coupon) -> u32 {
    store
        .coupon(&coupon.code)
        .await
        .expect("reading a coupon")
        .expect("the coupon exists")
        .redemptions
}

/// Redeems `coupon` for `shoppers` at once, one order each; the outcomes in order.
async fn redeem_at_once(
    store: &Arc<dyn CouponStore>,
    coupon: &Coupon,
    shoppers: Vec<UserId>,
) -> Vec<Redemption> {
    let tasks: Vec<_> = shoppers
        .into_iter()
        .map(|user| {
            let (store, coupon) = (Arc::clone(store), coupon.clone());
            tokio::spawn(async move { store.redeem(&coupon, &user, &order()).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("a task").expect("the store answers"));
    }
    outcomes
}

/// A created coupon reads back with no redemptions; its code cannot be created twice.
pub async fn check_created_coupon_reads_back(store: Arc<dyn CouponStore>) {
    let spring = coupon("SPRING-10", Some(5), None);
    assert_eq!(store.coupon(&spring.code).await.expect("a read"), None);
    store.create(&spring).await.expect("created");
    let record = store
        .coupon(&spring.code)
        .await
        .expect("a read")
        .expect("found");
    assert_eq!((record.coupon, record.redemptions), (spring.clone(), 0));
    assert_eq!(store.create(&spring).await, Err(StoreError::AlreadyExists));
}

/// Of 50 shoppers redeeming a coupon good for 10 at once, exactly 10 are counted.
pub async fn check_redemptions_stop_at_the_maximum_under_concurrency(store: Arc<dyn CouponStore>) {
    let ten = coupon("TEN", Some(10), None);
    store.create(&ten).await.expect("created");
    let outcomes = redeem_at_once(&store, &ten, (0..50).map(shopper).collect()).await;
    let redeemed = outcomes
        .iter()
        .filter(|outcome| **outcome == Redemption::Redeemed)
        .count();
    assert_eq!(redeemed, 10, "{outcomes:?}");
    assert!(outcomes.iter().all(|outcome| matches!(
        outcome,
        Redemption::Redeemed | Redemption::Refused(CouponRefused::Exhausted)
    )));
    assert_eq!(redemptions(&*store, &ten).await, 10);
}

/// One shopper redeeming 20 times at once with a limit of 2 per shopper is counted twice.
pub async fn check_the_per_customer_limit_holds_under_concurrency(store: Arc<dyn CouponStore>) {
    let twice = coupon("TWICE", None, Some(2));
    store.create(&twice).await.expect("created");
    let outcomes = redeem_at_once(&store, &twice, vec![shopper(1); 20]).await;
    let redeemed = outcomes
        .iter()
        .filter(|outcome| **outcome == Redemption::Redeemed)
        .count();
    assert_eq!(redeemed, 2, "{outcomes:?}");
    assert!(outcomes.iter().all(|outcome| matches!(
        outcome,
        Redemption::Redeemed | Redemption::Refused(CouponRefused::CustomerLimitReached)
    )));
    let other = store
        .redeem(&twice, &shopper(2), &order())
        .await
        .expect("the store answers");
    assert_eq!(
        other,
        Redemption::Redeemed,
        "another shopper has their own limit"
    );
}

/// A retried redemption of the same order counts once.
pub async fn check_a_retried_redemption_counts_once(store: Arc<dyn CouponStore>) {
    let once = coupon("ONCE", Some(3), Some(1));
    store.create(&once).await.expect("created");
    let placed = order();
    let first = store.redeem(&once, &shopper(1), &placed).await;
    let again = store.redeem(&once, &shopper(1), &placed).await;
    assert_eq!(first, Ok(Redemption::Redeemed));
    assert_eq!(again, Ok(Redemption::AlreadyRedeemed));
    assert_eq!(redemptions(&*store, &once).await, 1);
}

/// A release gives the use back once: both counters go down, and the coupon may be
/// redeemed again by the same shopper.
pub async fn check_a_release_gives_the_use_back_once(store: Arc<dyn CouponStore>) {
    let one = coupon("ONE", Some(1), Some(1));
    store.create(&one).await.expect("created");
    let placed = order();
    assert_eq!(
        store.redeem(&one, &shopper(1), &placed).await,
        Ok(Redemption::Redeemed)
    );
    assert_eq!(
        store.redeem(&one, &shopper(2), &order()).await,
        Ok(Redemption::Refused(CouponRefused::Exhausted))
    );
    assert_eq!(
        store.release(&one.code, &placed).await,
        Ok(Release::Released)
    );
    assert_eq!(
        store.release(&one.code, &placed).await,
        Ok(Release::AlreadyReleased)
    );
    assert_eq!(
        store.release(&one.code, &order()).await,
        Ok(Release::NotRedeemed)
    );
    assert_eq!(redemptions(&*store, &one).await, 0);
    assert_eq!(
        store.redeem(&one, &shopper(1), &order()).await,
        Ok(Redemption::Redeemed),
        "the shopper's count went down too"
    );
}

/// A deactivated coupon is refused; an unknown one is neither found nor redeemed.
pub async fn check_a_deactivated_coupon_is_refused(store: Arc<dyn CouponStore>) {
    let paused = coupon("PAUSED", None, None);
    store.create(&paused).await.expect("created");
    let later = NOW + time::Duration::hours(1);
    let record = store
        .set_active(&paused.code, false, later)
        .await
        .expect("the store answers")
        .expect("the coupon exists");
    assert!(!record.coupon.active);
    assert_eq!(record.coupon.updated_at, later);
    assert_eq!(
        store.redeem(&paused, &shopper(1), &order()).await,
        Ok(Redemption::Refused(CouponRefused::Inactive))
    );
    let unknown = coupon("NEVER-MADE", None, None);
    assert_eq!(
        store.set_active(&unknown.code, false, later).await,
        Ok(None)
    );
    assert_eq!(
        store.redeem(&unknown, &shopper(1), &order()).await,
        Ok(Redemption::Refused(CouponRefused::Unknown))
    );
    assert_eq!(redemptions(&*store, &paused).await, 0);
}
