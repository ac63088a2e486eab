//! Per-client-address rate limit on login and registration (in memory, per
//! instance: it blunts credential stuffing from one address; the per-email
//! throttle in the store is what holds across instances), and the per-key
//! limit of API keys ([`api_keys`]).

mod api_keys;

pub use api_keys::{Allowance, KeyRateLimiter};

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::ClientAddressSource;

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

/// The client's address: the TCP peer or, behind trusted proxies, the
/// forwarded entry the nearest of them vouches for (see
/// [`ClientAddressSource`]).
pub fn client_address(request: &HttpRequest, source: &ClientAddressSource) -> Option<IpAddr> {
    let peer = request.peer_addr().map(|address| address.ip());
    let ClientAddressSource::Forwarded { hops } = *source else {
        return peer;
    };
    let chain = forwarded_chain(request.headers());
    // Each trusted proxy appends one entry: the one `hops` from the right
    // was added by the outermost trusted proxy. A shorter chain means the
    // request skipped a proxy; the leftmost entry is then the best we have.
    let index = chain.len().saturating_sub(hops);
    chain.get(index).copied().or(peer)
}

/// The client addresses in `Forwarded` (RFC 7239 `for=`), or else in
/// `X-Forwarded-For`, left to right, across repeated headers. An entry that
/// is not an IP address (`unknown`, an obfuscated name) ends the usable
/// chain there: nothing left of it can be placed.
fn forwarded_chain(headers: &HeaderMap) -> Vec<IpAddr> {
    let forwarded: Vec<&str> = headers
        .get_all(header::FORWARDED)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim()
                    .eq_ignore_ascii_case("for")
                    .then_some(value.trim())
            })
        })
        .collect();
    let entries: Vec<&str> = if forwarded.is_empty() {
        headers
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect()
    } else {
        forwarded
    };
    let parsed: Vec<Option<IpAddr>> = entries.iter().map(|entry| parse_node(entry)).collect();
    let usable = parsed
        .iter()
        .rposition(Option::is_none)
        .map_or(0, |unusable| unusable + 1);
    parsed[usable..].iter().flatten().copied().collect()
}

/// An address as proxies write it: `198.51.100.9`, `198.51.100.9:4711`,
/// `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim_matches('"');
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(address) = entry.parse::<std::net::SocketAddr>() {
        return Some(address.ip());
    }
    entry
        .strip_prefix('[')
        .and_then(|rest| rest.split(']').next())
        .and_then(|host| host.parse().ok())
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

    fn request(headers: &[(&str, &str)]) -> HttpRequest {
        let mut request = TestRequest::default().peer_addr("10.0.0.2:5000".parse().unwrap());
        for header in headers {
            request = request.append_header(*header);
        }
        request.to_http_request()
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    const ONE_PROXY: ClientAddressSource = ClientAddressSource::Forwarded { hops: 1 };

    #[test]
    fn proxy_headers_count_only_when_trusted() {
        let request = request(&[("x-forwarded-for", "198.51.100.9")]);
        assert_eq!(
            client_address(&request, &ClientAddressSource::Peer),
            ip("10.0.0.2")
        );
        assert_eq!(client_address(&request, &ONE_PROXY), ip("198.51.100.9"));
    }

    #[test]
    fn the_entry_of_the_nearest_trusted_proxy_wins_over_what_the_client_wrote() {
        // The client sent "X-Forwarded-For: 1.2.3.4"; the proxy appended the
        // address it saw.
        let spoofed = request(&[("x-forwarded-for", "1.2.3.4, 198.51.100.9")]);
        assert_eq!(client_address(&spoofed, &ONE_PROXY), ip("198.51.100.9"));
        let two = ClientAddressSource::Forwarded { hops: 2 };
        let chain = request(&[("x-forwarded-for", "1.2.3.4, 198.51.100.9, 10.1.1.1")]);
        assert_eq!(client_address(&chain, &two), ip("198.51.100.9"));
        // Repeated headers form one list.
        let repeated = request(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "198.51.100.9"),
        ]);
        assert_eq!(client_address(&repeated, &ONE_PROXY), ip("198.51.100.9"));
    }

    #[test]
    fn forwarded_is_read_like_x_forwarded_for() {
        let forwarded = request(&[(
            "forwarded",
            r#"for=1.2.3.4, for="[2001:db8::7]:4711";proto=https"#,
        )]);
        assert_eq!(client_address(&forwarded, &ONE_PROXY), ip("2001:db8::7"));
        let with_port = request(&[("forwarded", "for=198.51.100.9:5555")]);
        assert_eq!(client_address(&with_port, &ONE_PROXY), ip("198.51.100.9"));
    }

    #[test]
    fn garbage_falls_back_to_the_peer() {
        for value in ["", "unknown", "not an address"] {
            let request = request(&[("x-forwarded-for", value)]);
            assert_eq!(
                client_address(&request, &ONE_PROXY),
                ip("10.0.0.2"),
                "{value:?}"
            );
        }
        let no_header = request(&[]);
        assert_eq!(client_address(&no_header, &ONE_PROXY), ip("10.0.0.2"));
    }
}
