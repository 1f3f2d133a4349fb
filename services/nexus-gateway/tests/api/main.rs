//! nexus-gateway through its real HTTP API and as a real process, in front of small actix
//! upstreams started by each test on port 0 (our own code, not mocks of third parties).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod client_address;
mod client_faults;
mod dashboard;
mod docs;
mod helpers;
mod lifecycle;
mod limits;
mod me_routes;
mod not_ready;
mod proxy;
mod revocation;
mod tokens;
mod ws;
mod ws_access;
