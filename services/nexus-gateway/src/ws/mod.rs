//! The WebSocket hub: topics, fan-out from Redis pub/sub, presence of analyst engines.
//!
//! - [`topics`]: which topics exist and which events feed them (pure).
//! - [`access`]: who may subscribe to a topic, through the Cedar policies and, for objects the
//!   gateway knows nothing about, the owning service.
//! - [`hub`]: the registry of connections per topic, one Redis subscription per source
//!   stream shared by every topic and client of this instance, bounded per-connection queues.
//! - [`presence`]: connected analyst engines, shared by every instance through Redis.
//! - [`connection`]: one client: sign-in (JWT or Ed25519).
//! - [`session`]: the signed-in client: messages, heartbeats, capped subscriptions, and the
//!   close when its token expires or its token or key is revoked.
//! - [`transport`]: frames in (decoded from the request payload) and out (the response body
//!   reads the hub's queue directly; broadcasts are encoded once).

pub mod access;
pub mod connection;
pub mod hub;
pub mod presence;
pub mod session;
pub mod topics;
pub mod transport;
