//! The bounty service's wire types. Its events are not written yet; the stream they will travel
//! on is named here already, because the gateway's `bounty` WebSocket topic relays it.

/// The stream of bounty events (created, submitted, settled), relayed on the `bounty` topic.
pub const EVENTS_STREAM: &str = "nexus:bounty:events:v1";
