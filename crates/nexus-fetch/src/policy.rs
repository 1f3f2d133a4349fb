//! What the fetcher may do: destinations, ports, schemes, limits.

use std::time::Duration;

/// Limits and permissions of a [`crate::Fetcher`].
///
/// The defaults are the production settings: no allow-list, only the scheme's default port,
/// 5 s to connect, 15 s for the whole exchange, 64 KiB of body, no redirects followed.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Networks that are reachable even though they are otherwise forbidden (loopback, private…).
    /// For local development and tests only (e.g. `127.0.0.0/8`); empty in production.
    pub allow: Vec<ipnet::IpNet>,
    /// Ports allowed besides the scheme's default (80 for http, 443 for https).
    pub allowed_ports: Vec<u16>,
    /// Whether plain `http` is allowed (`https` always is).
    pub allow_http: bool,
    /// Time to resolve the name and open the TCP connection (and TLS handshake) of one hop.
    pub connect_timeout: Duration,
    /// Time for the whole exchange: every hop, the request, the response and its body.
    pub timeout: Duration,
    /// Response bodies longer than this are cut here and marked `truncated`.
    pub max_response_bytes: usize,
    /// 0: a 3xx is returned as it is. Above 0: up to this many redirects are followed, each
    /// `Location` checked like the first URL.
    pub max_redirects: u8,
    /// The `User-Agent` header sent on every request (a caller's own header is replaced).
    pub user_agent: String,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            allowed_ports: Vec::new(),
            allow_http: true,
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            max_response_bytes: 64 * 1024,
            max_redirects: 0,
            user_agent: concat!("NexusSecurity/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}
