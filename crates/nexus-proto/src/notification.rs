//! The notification service's wire types. Its events are not written yet; the stream they will
//! travel on is named here already, because the gateway's `user` WebSocket topic relays it.

/// The stream of notifications for one user, relayed on the `user` topic.
pub const EVENTS_STREAM: &str = "nexus:notification:events:v1";
