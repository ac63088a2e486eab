//! Per-client-address rate limit on login and registration (in memory, per
//! instance: it blunts credential stuffing from one address; the per-email
//! throttle in the store is what holds across instances).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Allows each client address a burst of `per_minute` requests, refilled
/// evenly over a minute.
pub struct AuthRateLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl AuthRateLimiter {
    /// A limiter allowing `per_minute` requests a minute per address.
    pub fn per_minute(per_minute: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute.max(1)).expect("at least one"));
        Self {
            limiter: RateLimiter::keyed(quota),
        }
    }

    /// `Ok` if `address` may make another request now, otherwise how long to wait.
    pub fn check(&self, address: IpAddr) -> Result<(), Duration> {
        self.limiter
            .check_key(&address)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// Drops the state of addresses that are back to a full quota.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// The client's address: the TCP peer, or, when the service sits behind a
/// proxy that sets them (`TRUST_PROXY_HEADERS`), the address in `Forwarded` /
/// `X-Forwarded-For`.
pub fn client_address(request: &HttpRequest, trust_proxy_headers: bool) -> Option<IpAddr> {
    if trust_proxy_headers {
        let info = request.connection_info();
        if let Some(forwarded) = info.realip_remote_addr() {
            let host = forwarded
                .parse::<std::net::SocketAddr>()
                .map(|address| address.ip())
                .or_else(|_| forwarded.trim_matches(['[', ']']).parse::<IpAddr>());
            if let Ok(address) = host {
                return Some(address);
            }
        }
    }
    request.peer_addr().map(|address| address.ip())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_burst_is_allowed_then_refused_per_address() {
        let limiter = AuthRateLimiter::per_minute(3);
        let one: IpAddr = "203.0.113.7".parse().unwrap();
        let two: IpAddr = "2001:db8::1".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.check(one).is_ok());
        }
        let wait = limiter.check(one).unwrap_err();
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(limiter.check(two).is_ok(), "other addresses are unaffected");
    }

    #[test]
    fn proxy_headers_count_only_when_trusted() {
        let request = TestRequest::default()
            .peer_addr("10.0.0.2:5000".parse().unwrap())
            .insert_header(("x-forwarded-for", "198.51.100.9"))
            .to_http_request();
        assert_eq!(
            client_address(&request, false),
            Some("10.0.0.2".parse().unwrap())
        );
        assert_eq!(
            client_address(&request, true),
            Some("198.51.100.9".parse().unwrap())
        );
    }
}
