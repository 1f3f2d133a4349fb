//! The one SSRF-safe outbound HTTP client of Nexus Security.
//!
//! Webhook deliveries (nexus-notification) and URL analysis send requests to addresses users
//! choose. Without care such a request reaches the platform's own network: databases and Redis on
//! private addresses, admin ports on loopback, the cloud metadata service at `169.254.169.254`
//! that hands out instance credentials. Every outbound request to a user-chosen address goes
//! through [`Fetcher`]; nothing else in the workspace should open such a connection.
//!
//! # What a send does, per hop
//! 1. `destination.rs` checks the URL: `https` (and `http` when [`FetchPolicy::allow_http`]),
//!    no user name or password, the scheme's default port or one of
//!    [`FetchPolicy::allowed_ports`].
//! 2. The host is resolved once ([`NameResolver`]; IP literals are taken as written, including
//!    the decimal, octal and hex spellings the URL parser normalises) and **every** address is
//!    checked by `address.rs`. One forbidden address refuses the whole name: a resolver that
//!    answers one public and one private address must not get its private one tried.
//! 3. The hop's HTTP client (reqwest, rustls) is given exactly those addresses and a resolver
//!    that refuses everything else, so it connects to what was checked and never looks the name
//!    up again: there is no DNS-rebinding window between check and connect. It uses no proxy
//!    (the environment's `HTTP_PROXY` would move the connection elsewhere), no connection pool
//!    and no automatic redirects.
//! 4. A 3xx is returned as it is when [`FetchPolicy::max_redirects`] is 0 (webhooks); otherwise
//!    its `Location` goes through steps 1–3 as a new hop, and a refusal there is
//!    [`FetchError::RedirectForbidden`] carrying the reason.
//! 5. The body is read up to [`FetchPolicy::max_response_bytes`] and cut there (`truncated`);
//!    the whole exchange, every hop included, runs within [`FetchPolicy::timeout`]. Responses
//!    are never decompressed (the workspace's reqwest has no decompression features), so a
//!    small compressed body cannot expand in memory.
//!
//! # The allow-list
//! [`FetchPolicy::allow`] opens networks for local development and tests (`127.0.0.0/8` to
//! reach a test server). It is empty in production. Cloud metadata addresses stay refused even
//! inside an allow-listed network.
//!
//! # Errors
//! [`FetchError::code`] gives each failure a stable snake_case code (docs/ERRORS.md, section
//! "nexus-fetch"); services pass it on to their callers or their delivery logs.

mod address;
mod destination;
mod error;
mod fetcher;
mod policy;
mod resolve;

pub use error::FetchError;
pub use fetcher::{FetchRequest, FetchResponse, Fetcher};
pub use policy::FetchPolicy;
pub use resolve::{NameResolver, Resolving, StaticResolver, SystemResolver};
