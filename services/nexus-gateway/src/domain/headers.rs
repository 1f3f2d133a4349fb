//! Header hygiene: what crosses the gateway in each direction, and who the client is.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

/// Hop-by-hop headers (RFC 9110 §7.6.1) plus the non-standard ones proxies still meet: they
/// describe one connection and never cross a proxy.
pub const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Prefix of the headers services may treat as gateway-asserted facts; a client can never set
/// them.
pub const INTERNAL_PREFIX: &str = "x-nexus-";

/// The client address the gateway determined, sent to every upstream (a client's copy is
/// dropped with every other `x-nexus-*` header); services trust it for per-address limits.
pub const CLIENT_IP_HEADER: &str = "x-nexus-client-ip";

/// Request headers the gateway sets itself, so a client's copy is dropped.
const SET_BY_GATEWAY: [&str; 9] = [
    "host",
    "x-request-id",
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-real-ip",
    "forwarded",
    "traceparent",
    "x-api-key",
];

/// The header names a `Connection` header lists (they are hop-by-hop for this message).
pub fn connection_listed<'a>(values: impl Iterator<Item = &'a str>) -> HashSet<String> {
    values
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

/// Whether a client's request header (lower-case `name`) is passed to the upstream.
/// `Authorization` is decided by the caller (API keys are swapped for an access token).
pub fn forward_request_header(name: &str, listed: &HashSet<String>) -> bool {
    !(HOP_BY_HOP.contains(&name)
        || listed.contains(name)
        || name.starts_with(INTERNAL_PREFIX)
        || SET_BY_GATEWAY.contains(&name)
        || name == "authorization")
}

/// Whether an upstream's response header is passed to the client.
pub fn forward_response_header(name: &str, listed: &HashSet<String>) -> bool {
    !(HOP_BY_HOP.contains(&name)
        || listed.contains(name)
        || name == "content-length"
        || name.starts_with(INTERNAL_PREFIX))
}

/// One entry of `gateway.trusted_proxies`: a single address (`192.0.2.7`, `2001:db8::1`) or a
/// CIDR range (`10.0.0.0/8`, `fd00::/8`). Ranges exist because the proxy in front of the
/// gateway is usually a set of pods (ingress-nginx) whose addresses change whenever they move:
/// only their network is known in advance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    /// The first address of the range (no bits set past `prefix_len`).
    network: IpAddr,
    /// Leading bits that must match: 32 (IPv4) or 128 (IPv6) for a single address.
    prefix_len: u8,
}

/// Why a `gateway.trusted_proxies` entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpRangeError {
    /// Neither an address nor `address/prefix`.
    #[error(
        "{0:?} is not an IP address or CIDR range (write e.g. 10.0.0.0/8, fd00::/8 or 192.0.2.7)"
    )]
    NotAnAddress(String),
    /// The prefix length is longer than the address.
    #[error("{text:?}: the prefix length must be at most {max}")]
    PrefixTooLong {
        /// The entry as written.
        text: String,
        /// 32 for IPv4, 128 for IPv6.
        max: u8,
    },
    /// Bits set past the prefix length: most likely a typo for a narrower or wider range, so
    /// it is refused rather than guessed.
    #[error("{text:?} has address bits set past its prefix length; did you mean {network}?")]
    HostBitsSet {
        /// The entry as written.
        text: String,
        /// The range with those bits cleared.
        network: String,
    },
}

impl IpRange {
    /// Whether `address` is in this range. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what
    /// a dual-stack listener reports for an IPv4 peer) counts as its IPv4 address.
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix_len))
                    .unwrap_or(0);
                (u32::from(network) ^ u32::from(address)) & mask == 0
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix_len))
                    .unwrap_or(0);
                (u128::from(network) ^ u128::from(address)) & mask == 0
            }
            _ => false,
        }
    }
}

impl FromStr for IpRange {
    type Err = IpRangeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let not_an_address = || IpRangeError::NotAnAddress(text.to_owned());
        let trimmed = text.trim();
        let Some((address, prefix)) = trimmed.split_once('/') else {
            let address = trimmed
                .parse::<IpAddr>()
                .map_err(|_| not_an_address())?
                .to_canonical();
            return Ok(Self {
                network: address,
                prefix_len: full_length(address),
            });
        };
        let address = address.parse::<IpAddr>().map_err(|_| not_an_address())?;
        let prefix_len = prefix
            .parse::<u8>()
            .ok()
            .filter(|_| prefix.bytes().all(|byte| byte.is_ascii_digit()))
            .ok_or_else(not_an_address)?;
        let max = full_length(address);
        if prefix_len > max {
            return Err(IpRangeError::PrefixTooLong {
                text: text.to_owned(),
                max,
            });
        }
        let network = match address {
            IpAddr::V4(v4) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(prefix_len))
                    .unwrap_or(0);
                IpAddr::from(std::net::Ipv4Addr::from(u32::from(v4) & mask))
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(prefix_len))
                    .unwrap_or(0);
                IpAddr::from(std::net::Ipv6Addr::from(u128::from(v6) & mask))
            }
        };
        if network != address {
            return Err(IpRangeError::HostBitsSet {
                text: text.to_owned(),
                network: format!("{network}/{prefix_len}"),
            });
        }
        Ok(Self {
            network,
            prefix_len,
        })
    }
}

fn full_length(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix_len == full_length(self.network) {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix_len)
        }
    }
}

impl<'de> Deserialize<'de> for IpRange {
    /// From its text; a bad entry stops the start with [`IpRangeError`]'s message (the
    /// configuration loader names the key).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Whether `address` is one of the trusted proxies.
pub fn is_trusted(address: IpAddr, trusted: &[IpRange]) -> bool {
    trusted.iter().any(|range| range.contains(address))
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. Entries left of that
/// one were written by the client (or by proxies nobody vouches for) and are never believed.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpRange]) -> IpAddr {
    if !is_trusted(peer, trusted) {
        return peer;
    }
    forwarded_for
        .into_iter()
        .flat_map(|value| value.rsplit(','))
        .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
        .find(|address| !is_trusted(*address, trusted))
        .unwrap_or(peer)
}

/// The `X-Forwarded-For` to send on: the trusted chain plus the peer, or only the peer when
/// the peer is not a trusted proxy (a client cannot plant addresses in it).
pub fn forwarded_for_value(
    peer: IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[IpRange],
) -> String {
    match forwarded_for {
        Some(chain) if is_trusted(peer, trusted) && !chain.trim().is_empty() => {
            format!("{}, {peer}", chain.trim())
        }
        _ => peer.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_internal_and_gateway_owned_headers_are_dropped() {
        let listed = connection_listed(["close, X-Secret-Hop"].into_iter());
        for name in [
            "connection",
            "te",
            "upgrade",
            "x-secret-hop",
            "x-nexus-user-id",
            "x-nexus-roles",
            CLIENT_IP_HEADER,
            "x-forwarded-for",
            "traceparent",
            "authorization",
            "host",
        ] {
            assert!(!forward_request_header(name, &listed), "{name}");
        }
        for name in [
            "accept",
            "content-type",
            "content-length",
            "tracestate",
            "user-agent",
        ] {
            assert!(forward_request_header(name, &listed), "{name}");
        }
        assert!(!forward_response_header("transfer-encoding", &listed));
        assert!(!forward_response_header("x-nexus-debug", &listed));
        assert!(forward_response_header("etag", &listed));
    }

    fn ranges(entries: &[&str]) -> Vec<IpRange> {
        entries.iter().map(|entry| entry.parse().unwrap()).collect()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_trusted_only_from_trusted_proxies() {
        let trusted = ranges(&["10.0.0.1"]);
        let client = ip("203.0.113.9");
        let spoofed = Some("1.2.3.4");
        assert_eq!(client_ip(client, spoofed, &trusted), client);
        assert_eq!(
            forwarded_for_value(client, spoofed, &trusted),
            "203.0.113.9"
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("1.2.3.4, 203.0.113.9"), &trusted),
            client
        );
        assert_eq!(
            forwarded_for_value(ip("10.0.0.1"), Some("203.0.113.9"), &trusted),
            "203.0.113.9, 10.0.0.1"
        );
    }

    #[test]
    fn every_proxy_in_a_trusted_range_is_trusted_and_the_walk_skips_them() {
        // The ingress controller's pods: any address of the pod network.
        let trusted = ranges(&["10.0.0.0/8"]);
        for controller in ["10.0.0.1", "10.244.3.17", "10.255.255.255"] {
            assert_eq!(
                client_ip(ip(controller), Some("203.0.113.9"), &trusted),
                ip("203.0.113.9"),
                "{controller}"
            );
        }
        // Two trusted hops (a load balancer pod, then the controller): both skipped.
        assert_eq!(
            client_ip(ip("10.1.0.5"), Some("203.0.113.9, 10.2.0.7"), &trusted),
            ip("203.0.113.9")
        );
        // A peer just outside the range is the client itself, whatever it sends.
        for outsider in ["11.0.0.1", "9.255.255.255", "192.168.0.1"] {
            assert_eq!(
                client_ip(ip(outsider), Some("203.0.113.9"), &trusted),
                ip(outsider),
                "{outsider}"
            );
        }
        // A chain of only trusted hops names no client: the peer stands.
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some("10.0.0.2, 10.0.0.3"), &trusted),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn spoofed_left_most_entries_are_ignored() {
        let trusted = ranges(&["10.0.0.0/8"]);
        // The client wrote `X-Forwarded-For: 1.2.3.4, 10.9.9.9`; the controller appended the
        // address it saw. The right-most untrusted entry is the real client, even though the
        // client planted an address from the trusted range to look like a proxy.
        let chain = "1.2.3.4, 10.9.9.9, 198.51.100.23";
        assert_eq!(
            client_ip(ip("10.0.0.1"), Some(chain), &trusted),
            ip("198.51.100.23")
        );
        // Garbage the client wrote cannot hide the real entry or become the client.
        assert_eq!(
            client_ip(
                ip("10.0.0.1"),
                Some("not-an-address, 198.51.100.23"),
                &trusted
            ),
            ip("198.51.100.23")
        );
    }

    #[test]
    fn ipv6_ranges_and_ipv4_mapped_peers() {
        let trusted = ranges(&["fd00::/8", "2001:db8:1::/48", "10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("fd12:3456::1"), Some("2001:db8:ffff::9"), &trusted),
            ip("2001:db8:ffff::9")
        );
        assert_eq!(
            client_ip(
                ip("2001:db8:1:abcd::1"),
                Some("2001:db8:ffff::9, 2001:db8:1::2"),
                &trusted
            ),
            ip("2001:db8:ffff::9")
        );
        // Outside the /48 by one bit.
        assert_eq!(
            client_ip(ip("2001:db8:2::1"), Some("198.51.100.23"), &trusted),
            ip("2001:db8:2::1")
        );
        // A dual-stack listener reports an IPv4 peer as ::ffff:a.b.c.d.
        assert_eq!(
            client_ip(ip("::ffff:10.1.2.3"), Some("198.51.100.23"), &trusted),
            ip("198.51.100.23")
        );
        // IPv4 ranges never match IPv6 addresses and the other way round.
        assert!(!is_trusted(ip("::a00:1"), &ranges(&["10.0.0.0/8"])));
        assert!(!is_trusted(ip("10.0.0.1"), &ranges(&["::/0"])));
        assert!(is_trusted(ip("203.0.113.9"), &ranges(&["0.0.0.0/0"])));
    }

    #[test]
    fn entries_parse_as_addresses_or_ranges_and_bad_ones_say_why() {
        for (text, shown) in [
            ("192.0.2.7", "192.0.2.7"),
            (" 10.0.0.0/8 ", "10.0.0.0/8"),
            ("fd00::/8", "fd00::/8"),
            ("2001:db8::1", "2001:db8::1"),
            ("2001:db8::1/128", "2001:db8::1"),
            ("::ffff:10.0.0.1", "10.0.0.1"),
            ("0.0.0.0/0", "0.0.0.0/0"),
        ] {
            let range: IpRange = text.parse().unwrap();
            assert_eq!(range.to_string(), shown, "{text}");
        }
        for (text, says) in [
            ("10.0.0/8", "is not an IP address or CIDR range"),
            ("ingress", "is not an IP address or CIDR range"),
            ("10.0.0.0/", "is not an IP address or CIDR range"),
            ("10.0.0.0/+8", "is not an IP address or CIDR range"),
            ("10.0.0.0/33", "at most 32"),
            ("fd00::/129", "at most 128"),
            ("10.0.0.1/8", "did you mean 10.0.0.0/8?"),
            ("fd00::1/8", "did you mean fd00::/8?"),
        ] {
            let error = text.parse::<IpRange>().unwrap_err().to_string();
            assert!(error.contains(says), "{text}: {error}");
        }
    }
}
