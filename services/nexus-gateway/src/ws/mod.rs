//! The WebSocket hub: topics, fan-out from Redis pub/sub, presence of analyst engines.
//!
//! - [`topics`]: which topics exist, who may subscribe, which events feed them (pure).
//! - [`hub`]: the registry of connections per topic, one Redis subscription per source
//!   stream shared by every topic and client of this instance, bounded per-connection queues.
//! - [`presence`]: connected analyst engines, shared by every instance through Redis.
//! - [`connection`]: one client: sign-in (JWT or Ed25519), heartbeats, messages.
//! - [`transport`]: frames in (decoded from the request payload) and out (the response body
//!   reads the hub's queue directly; broadcasts are encoded once).

pub mod connection;
pub mod hub;
pub mod presence;
pub mod topics;
pub mod transport;
