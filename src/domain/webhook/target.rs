//! Where a webhook may deliver: a URL whose host is, and resolves to, a
//! public address only. The agency's own network (loopback, private,
//! link-local and cloud metadata, CGNAT, unique-local, multicast,
//! reserved) is refused when the webhook is saved and again for every
//! connection, so that nobody can use the service to reach it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::domain::InvalidInput;

/// What the deployment allows as targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Production: `https://` only.
    pub https_only: bool,
    /// `WEBHOOK_ALLOW_PRIVATE_TARGETS`: development and tests may deliver
    /// to their own machine (refused in production).
    pub allow_private: bool,
}

/// A webhook's URL, checked as far as it can be without resolving it: its
/// scheme, no credentials, and a host that is not a private address or
/// `localhost` in any spelling (the WHATWG URL parser turns `2130706433`,
/// `0x7f.1`, `0177.0.0.1` into `127.0.0.1` before this looks at it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(Url);

fn refuse(detail: impl Into<String>) -> InvalidInput {
    InvalidInput::new("url", "invalid_webhook_url", detail.into())
}

impl WebhookUrl {
    /// Parses a target under `policy`.
    pub fn parse(raw: &str, policy: TargetPolicy) -> Result<Self, InvalidInput> {
        if raw.len() > 2000 {
            return Err(refuse("url must be at most 2000 characters"));
        }
        let url = Url::parse(raw.trim()).map_err(|_| refuse("url must be an absolute URL"))?;
        match url.scheme() {
            "https" => {}
            "http" if !policy.https_only => {}
            _ if policy.https_only => return Err(refuse("url must use https")),
            _ => return Err(refuse("url must use http or https")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("url must not carry credentials"));
        }
        if url.fragment().is_some() {
            return Err(refuse("url must not have a fragment"));
        }
        let target = Self(url);
        if !policy.allow_private {
            match target.0.host() {
                Some(Host::Ipv4(address)) if !is_public(IpAddr::V4(address)) => {
                    return Err(refuse(
                        "url must not point at a private or reserved address",
                    ));
                }
                Some(Host::Ipv6(address)) if !is_public(IpAddr::V6(address)) => {
                    return Err(refuse(
                        "url must not point at a private or reserved address",
                    ));
                }
                Some(Host::Domain(name)) if is_local_name(name) => {
                    return Err(refuse("url must not point at this machine"));
                }
                None => return Err(refuse("url must have a host")),
                _ => {}
            }
        }
        Ok(target)
    }

    /// A URL as a store kept it (it passed [`parse`](Self::parse)).
    pub fn from_stored(stored: &str) -> Option<Self> {
        Url::parse(stored).ok().map(Self)
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The URL, to connect to.
    pub fn url(&self) -> &Url {
        &self.0
    }
}

/// `localhost` and its subdomains (RFC 6761), with or without the final dot.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// Whether every address a connection to `address` reaches is on the
/// public internet.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn in_v4(address: Ipv4Addr, network: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(address) & mask == u32::from(Ipv4Addr::from(network)) & mask
}

fn is_public_v4(address: Ipv4Addr) -> bool {
    const NOT_PUBLIC: [([u8; 4], u32); 15] = [
        ([0, 0, 0, 0], 8),       // "this network"
        ([10, 0, 0, 0], 8),      // private
        ([100, 64, 0, 0], 10),   // carrier-grade NAT
        ([127, 0, 0, 0], 8),     // loopback
        ([169, 254, 0, 0], 16),  // link-local, cloud metadata
        ([172, 16, 0, 0], 12),   // private
        ([192, 0, 0, 0], 24),    // IETF protocol assignments
        ([192, 0, 2, 0], 24),    // documentation
        ([192, 88, 99, 0], 24),  // 6to4 relay anycast
        ([192, 168, 0, 0], 16),  // private
        ([198, 18, 0, 0], 15),   // benchmarking
        ([198, 51, 100, 0], 24), // documentation
        ([203, 0, 113, 0], 24),  // documentation
        ([224, 0, 0, 0], 4),     // multicast
        ([240, 0, 0, 0], 4),     // reserved, broadcast
    ];
    !NOT_PUBLIC
        .iter()
        .any(|(network, prefix)| in_v4(address, *network, *prefix))
}

fn in_v6(address: Ipv6Addr, network: [u16; 8], prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    u128::from(address) & mask == u128::from(Ipv6Addr::from(network)) & mask
}

fn is_public_v6(address: Ipv6Addr) -> bool {
    // IPv4 inside IPv6 (mapped, compatible, NAT64, 6to4): the IPv4 decides.
    if let Some(v4) = address.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let embedded = |shift: u32| Ipv4Addr::from((u128::from(address) >> shift) as u32);
    if in_v6(address, [0; 8], 96) {
        // `::` and `::1` fall here too: 0.0.0.0 and 0.0.0.1 are not public.
        return is_public_v4(embedded(0));
    }
    if in_v6(address, [0x64, 0xff9b, 0, 0, 0, 0, 0, 0], 96) {
        return is_public_v4(embedded(0));
    }
    if in_v6(address, [0x2002, 0, 0, 0, 0, 0, 0, 0], 16) {
        return is_public_v4(embedded(80));
    }
    const NOT_PUBLIC: [([u16; 8], u32); 7] = [
        ([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48),  // local-use NAT64
        ([0x100, 0, 0, 0, 0, 0, 0, 0], 64),      // discard
        ([0x2001, 0, 0, 0, 0, 0, 0, 0], 23),     // IETF protocol assignments, Teredo
        ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), // documentation
        ([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7),      // unique-local
        ([0xfe80, 0, 0, 0, 0, 0, 0, 0], 9),      // link-local and site-local
        ([0xff00, 0, 0, 0, 0, 0, 0, 0], 8),      // multicast
    ];
    !NOT_PUBLIC
        .iter()
        .any(|(network, prefix)| in_v6(address, *network, *prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCTION: TargetPolicy = TargetPolicy {
        https_only: true,
        allow_private: false,
    };

    #[test]
    fn every_spelling_of_a_private_address_is_refused() {
        for raw in [
            "https://localhost/hook",
            "https://LOCALHOST./hook",
            "https://api.localhost/hook",
            "https://127.0.0.1/hook",
            "https://127.1/hook",
            "https://2130706433/hook",
            "https://0x7f000001/hook",
            "https://0177.0.0.1/hook",
            "https://0/hook",
            "https://[::1]/hook",
            "https://[::]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::ffff:7f00:1]/hook",
            "https://[::127.0.0.1]/hook",
            "https://[64:ff9b::a00:1]/hook",
            "https://[2002:c0a8:101::]/hook",
            "https://10.1.2.3/hook",
            "https://172.31.255.255/hook",
            "https://192.168.0.10/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/hook",
            "https://224.0.0.1/hook",
            "https://255.255.255.255/hook",
            "https://[fd00::1]/hook",
            "https://[fe80::1]/hook",
            "https://[ff02::1]/hook",
        ] {
            let refused = WebhookUrl::parse(raw, PRODUCTION).unwrap_err();
            assert_eq!(refused.code, "invalid_webhook_url", "{raw}");
        }
    }

    #[test]
    fn public_https_targets_are_kept() {
        for raw in [
            "https://crm.agency.example/hooks/tripdesk?source=1",
            "https://93.184.215.14/hook",
            "https://[2606:4700::1111]/hook",
            "https://[::ffff:93.184.215.14]/hook",
        ] {
            assert!(WebhookUrl::parse(raw, PRODUCTION).is_ok(), "{raw}");
        }
    }

    #[test]
    fn scheme_credentials_and_shape_are_checked() {
        for raw in [
            "http://crm.agency.example/hook",
            "ftp://crm.agency.example/hook",
            "https://user:secret@crm.agency.example/hook",
            "https://crm.agency.example/hook#part",
            "/relative/hook",
            "not a url",
        ] {
            assert!(WebhookUrl::parse(raw, PRODUCTION).is_err(), "{raw}");
        }
        let development = TargetPolicy {
            https_only: false,
            allow_private: true,
        };
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/hook", development).is_ok());
        let http_allowed = TargetPolicy {
            https_only: false,
            allow_private: false,
        };
        assert!(WebhookUrl::parse("http://crm.agency.example/hook", http_allowed).is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1/hook", http_allowed).is_err());
    }

    #[test]
    fn address_classes_match_the_registries() {
        let public = [
            "8.8.8.8",
            "1.1.1.1",
            "2a00:1450:4001::1",
            "100.128.0.1",
            "172.32.0.1",
        ];
        for text in public {
            assert!(is_public(text.parse().unwrap()), "{text}");
        }
        let private = [
            "100.127.255.255",
            "198.19.0.1",
            "2001:db8::1",
            "2001::1",
            "::ffff:10.0.0.1",
        ];
        for text in private {
            assert!(!is_public(text.parse().unwrap()), "{text}");
        }
    }
}
