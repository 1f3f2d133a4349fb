//! The reputation service's wire types. Its events are not written yet; the stream they will
//! travel on is named here already, because the gateway's `leaderboard` WebSocket topic relays
//! it.

/// The stream of reputation and leaderboard changes, relayed on the `leaderboard` topic.
pub const EVENTS_STREAM: &str = "nexus:reputation:events:v1";
