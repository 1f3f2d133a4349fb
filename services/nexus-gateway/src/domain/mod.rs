//! Pure logic of the gateway, without I/O: route matching, header hygiene, the GCRA rate
//! algorithm, the route → Cedar action mapping and the WebSocket sign-in checks.

pub mod access;
pub mod gcra;
pub mod headers;
pub mod routing;
pub mod ws_auth;
