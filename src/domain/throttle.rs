//! Login throttling per account name (ASVS 2.2.1).

use chrono::{DateTime, TimeDelta, Utc};

/// How many failed logins one email may collect within a sliding window
/// before further attempts are refused, whatever the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failures allowed within the window.
    pub max_failures: usize,
    /// Length of the sliding window.
    pub window: TimeDelta,
}

impl LoginThrottle {
    /// Five failures per fifteen minutes.
    pub const DEFAULT: LoginThrottle = LoginThrottle {
        max_failures: 5,
        window: TimeDelta::minutes(15),
    };

    /// The oldest failure that still counts at `now`.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.window
    }

    /// Whether an attempt at `now` may proceed, given the failure times (any
    /// order). If not, how long until it may: when enough failures have left
    /// the window.
    pub fn check(&self, failures: &[DateTime<Utc>], now: DateTime<Utc>) -> Result<(), TimeDelta> {
        let mut recent: Vec<_> = failures
            .iter()
            .copied()
            .filter(|at| *at > self.window_start(now))
            .collect();
        if recent.len() < self.max_failures {
            return Ok(());
        }
        recent.sort();
        // Once this failure leaves the window, fewer than the maximum remain.
        let freeing = recent[recent.len() - self.max_failures];
        Err((freeing + self.window - now).max(TimeDelta::seconds(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + TimeDelta::minutes(minutes)
    }

    #[test]
    fn four_failures_are_tolerated_the_fifth_locks() {
        let throttle = LoginThrottle::DEFAULT;
        let four = [at(0), at(1), at(2), at(3)];
        assert_eq!(throttle.check(&four, at(4)), Ok(()));
        let five = [at(0), at(1), at(2), at(3), at(4)];
        assert_eq!(throttle.check(&five, at(5)), Err(TimeDelta::minutes(10)));
    }

    #[test]
    fn the_lock_lifts_as_failures_leave_the_window() {
        let throttle = LoginThrottle::DEFAULT;
        let five = [at(4), at(0), at(3), at(1), at(2)];
        assert!(throttle.check(&five, at(14)).is_err());
        assert_eq!(
            throttle.check(&five, at(15)),
            Ok(()),
            "the first failure has left the window"
        );
        let six = [at(0), at(1), at(2), at(3), at(4), at(10)];
        assert_eq!(throttle.check(&six, at(15)), Err(TimeDelta::minutes(1)));
        assert_eq!(throttle.check(&six, at(16)), Ok(()));
    }

    #[test]
    fn retry_after_is_at_least_a_second() {
        let throttle = LoginThrottle::DEFAULT;
        let now = at(15) - TimeDelta::milliseconds(1);
        let five = [at(0), at(0), at(0), at(0), at(0)];
        assert_eq!(throttle.check(&five, now), Err(TimeDelta::seconds(1)));
    }
}
