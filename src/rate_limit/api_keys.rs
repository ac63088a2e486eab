//! Per-API-key rate limit (in memory, per instance, like the per-address
//! limit), and what the `RateLimit-*` headers of a key's responses say.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::domain::ApiKeyId;

type Limiter = RateLimiter<
    ApiKeyId,
    DefaultKeyedStateStore<ApiKeyId>,
    DefaultClock,
    StateInformationMiddleware,
>;

/// Allows each key a burst of `per_minute` requests, refilled evenly over a
/// minute.
pub struct KeyRateLimiter {
    limiter: Limiter,
    per_minute: u32,
}

/// A key's quota as one request leaves it: the `RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// `RateLimit-Limit`: requests a minute.
    pub limit: u32,
    /// `RateLimit-Remaining`: requests left right now.
    pub remaining: u32,
    /// `RateLimit-Reset`: seconds until the whole quota is back.
    pub reset_seconds: u64,
}

impl Allowance {
    fn new(limit: u32, remaining: u32) -> Self {
        let spent = u64::from(limit.saturating_sub(remaining));
        Self {
            limit,
            remaining,
            reset_seconds: (spent * 60).div_ceil(u64::from(limit.max(1))),
        }
    }
}

impl KeyRateLimiter {
    /// A limiter allowing each key `per_minute` requests a minute.
    pub fn per_minute(per_minute: u32) -> Self {
        let per_minute = per_minute.max(1);
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).expect("at least one"));
        Self {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            per_minute,
        }
    }

    /// Counts one request of `key`: `Ok` with what is left, or `Err` with
    /// the (empty) allowance and how long to wait.
    pub fn check(&self, key: ApiKeyId) -> Result<Allowance, (Allowance, Duration)> {
        match self.limiter.check_key(&key) {
            Ok(state) => Ok(Allowance::new(
                self.per_minute,
                state.remaining_burst_capacity(),
            )),
            Err(not_until) => Err((
                Allowance::new(self.per_minute, 0),
                not_until.wait_time_from(DefaultClock::default().now()),
            )),
        }
    }

    /// Drops the state of keys that are back to a full quota.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_has_its_own_quota_and_headers_count_down() {
        let limiter = KeyRateLimiter::per_minute(3);
        let (one, two) = (ApiKeyId::generate(), ApiKeyId::generate());
        let first = limiter.check(one).unwrap();
        assert_eq!(
            first,
            Allowance {
                limit: 3,
                remaining: 2,
                reset_seconds: 20
            }
        );
        assert_eq!(limiter.check(one).unwrap().remaining, 1);
        assert_eq!(limiter.check(one).unwrap().remaining, 0);
        let (empty, wait) = limiter.check(one).unwrap_err();
        assert_eq!((empty.remaining, empty.reset_seconds), (0, 60));
        assert!(wait > Duration::from_secs(15) && wait <= Duration::from_secs(20));
        assert_eq!(
            limiter.check(two).unwrap().remaining,
            2,
            "other keys are unaffected"
        );
    }
}
