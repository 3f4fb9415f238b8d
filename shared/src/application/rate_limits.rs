//! Rate limits on the flash-sale and checkout routes: a token bucket per buyer and one per
//! client address (the generic cell rate algorithm of the `governor` crate), timed by the
//! shop's clock so that tests move time by hand.
//!
//! The buckets live in the process. Locally one process serves every request, so the
//! limits hold exactly. In AWS each function instance keeps its own, which bounds one
//! buyer's or one address's burst on each instance; the route throttling of API Gateway
//! (Terraform's `sale_route_throttling`) bounds what all instances together take.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::Clock as GovernorClock;
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use time::OffsetDateTime;

use crate::application::error::ShopError;
use crate::domain::clock::Clock;
use crate::domain::ids::UserId;

/// How many keys a limiter remembers before it forgets those whose buckets are full again.
const KEYS_KEPT: usize = 100_000;

/// A sustained rate per second, and how many requests may come at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub per_second: u32,
    pub burst: u32,
}

impl Limit {
    /// A limit as settings spell it: `RATE/BURST` (`5/10`), or `off` for none.
    pub fn parse_setting(text: &str) -> Result<Option<Limit>, String> {
        if text.trim() == "off" {
            return Ok(None);
        }
        let refused = || format!("{text:?} is not RATE/BURST (two whole numbers above 0) or off");
        let number = |part: &str| part.trim().parse::<u32>().ok().filter(|value| *value > 0);
        let (rate, burst) = text.split_once('/').ok_or_else(refused)?;
        match (number(rate), number(burst)) {
            (Some(per_second), Some(burst)) => Ok(Some(Limit { per_second, burst })),
            _ => Err(refused()),
        }
    }
}

/// The limits, each `None` when off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Per signed-in buyer, over the sale and checkout routes together.
    pub per_buyer: Option<Limit>,
    /// Per client address, over the same routes.
    pub per_client: Option<Limit>,
}

impl Default for RateLimitSettings {
    /// A buyer polls about once a second and checks out once; an address may be a
    /// household or an office behind one router.
    fn default() -> Self {
        RateLimitSettings {
            per_buyer: Some(Limit {
                per_second: 5,
                burst: 10,
            }),
            per_client: Some(Limit {
                per_second: 100,
                burst: 200,
            }),
        }
    }
}

/// The shop's clock as `governor` reads it: nanoseconds since the epoch.
#[derive(Clone)]
struct ShopClock(Arc<dyn Clock>);

impl GovernorClock for ShopClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let since_epoch = self.0.now() - OffsetDateTime::UNIX_EPOCH;
        Nanos::from(u64::try_from(since_epoch.whole_nanoseconds()).unwrap_or(0))
    }
}

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, ShopClock, NoOpMiddleware<Nanos>>;

/// The buckets of this process.
pub struct RateLimits {
    buyers: Option<Keyed<UserId>>,
    clients: Option<Keyed<IpAddr>>,
    clock: ShopClock,
}

impl RateLimits {
    /// Empty buckets for `settings`, timed by `clock`.
    pub fn new(settings: RateLimitSettings, clock: Arc<dyn Clock>) -> Self {
        let clock = ShopClock(clock);
        RateLimits {
            buyers: settings
                .per_buyer
                .map(|limit| RateLimiter::dashmap_with_clock(quota(limit), clock.clone())),
            clients: settings
                .per_client
                .map(|limit| RateLimiter::dashmap_with_clock(quota(limit), clock.clone())),
            clock,
        }
    }

    /// Counts one request of `buyer` (if signed in) from `client` (if known);
    /// [`ShopError::TooManyRequests`] when either is over its limit, saying when to come
    /// back.
    pub fn check(&self, buyer: Option<&UserId>, client: Option<IpAddr>) -> Result<(), ShopError> {
        if let (Some(limiter), Some(buyer)) = (&self.buyers, buyer) {
            self.take(limiter, buyer)?;
        }
        if let (Some(limiter), Some(client)) = (&self.clients, client) {
            self.take(limiter, &client)?;
        }
        Ok(())
    }

    fn take<K>(&self, limiter: &Keyed<K>, key: &K) -> Result<(), ShopError>
    where
        K: Clone + Eq + std::hash::Hash,
    {
        if limiter.len() > KEYS_KEPT {
            limiter.retain_recent();
        }
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ShopError::TooManyRequests {
                retry_after_seconds: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }
}

/// `limit` as a quota; a zero is taken as one.
fn quota(limit: Limit) -> Quota {
    let at_least_one = |value: u32| NonZeroU32::new(value).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(at_least_one(limit.per_second)).allow_burst(at_least_one(limit.burst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::ManualClock;

    #[test]
    fn a_buyer_over_the_limit_is_told_when_to_come_back_and_may_then() {
        let clock = Arc::new(ManualClock::new(OffsetDateTime::UNIX_EPOCH));
        let limit = Limit {
            per_second: 1,
            burst: 2,
        };
        let limits = RateLimits::new(
            RateLimitSettings {
                per_buyer: Some(limit),
                per_client: None,
            },
            clock.clone(),
        );
        let alice = UserId::parse("alice").unwrap();
        let bob = UserId::parse("bob").unwrap();
        assert!(limits.check(Some(&alice), None).is_ok());
        assert!(limits.check(Some(&alice), None).is_ok());
        let Err(ShopError::TooManyRequests {
            retry_after_seconds,
        }) = limits.check(Some(&alice), None)
        else {
            panic!("a third request at once was let through");
        };
        assert_eq!(retry_after_seconds, 1);
        assert!(
            limits.check(Some(&bob), None).is_ok(),
            "buckets are per buyer"
        );
        clock.advance(time::Duration::seconds(1));
        assert!(limits.check(Some(&alice), None).is_ok());
    }
}
