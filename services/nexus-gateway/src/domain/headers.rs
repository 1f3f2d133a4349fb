//! Header hygiene: what crosses the gateway in each direction, and who the client is.

use std::collections::HashSet;
use std::net::IpAddr;

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

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    forwarded_for
        .into_iter()
        .flat_map(|value| value.rsplit(','))
        .filter_map(|entry| entry.trim().parse::<IpAddr>().ok())
        .find(|address| !trusted.contains(address))
        .unwrap_or(peer)
}

/// The `X-Forwarded-For` to send on: the trusted chain plus the peer, or only the peer when
/// the peer is not a trusted proxy (a client cannot plant addresses in it).
pub fn forwarded_for_value(
    peer: IpAddr,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> String {
    match forwarded_for {
        Some(chain) if trusted.contains(&peer) && !chain.trim().is_empty() => {
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

    #[test]
    fn forwarded_for_is_trusted_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let spoofed = Some("1.2.3.4");
        assert_eq!(client_ip(client, spoofed, &[proxy]), client);
        assert_eq!(
            forwarded_for_value(client, spoofed, &[proxy]),
            "203.0.113.9"
        );
        assert_eq!(
            client_ip(proxy, Some("1.2.3.4, 203.0.113.9"), &[proxy]),
            client
        );
        assert_eq!(
            forwarded_for_value(proxy, Some("203.0.113.9"), &[proxy]),
            "203.0.113.9, 10.0.0.1"
        );
    }
}
