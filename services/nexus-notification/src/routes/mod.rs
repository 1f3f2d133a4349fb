//! HTTP handlers, one per file (`routes/<verb_noun>.rs`), and the route table.
//!
//! None yet. Planned: `/v1/notifications` (inbox, read marks, unread count),
//! `/v1/notifications/preferences` and `/v1/webhooks` (endpoints, secrets, deliveries, replay).
//! Each handler takes `nexus_runtime::Caller` and asks it (docs/AUTHORIZATION.md) before touching
//! the store, and returns `Result<_, NotificationError>`.

pub mod openapi;

use actix_web::web;

/// Mounts every route. Declare each path with `web::resource(...)` so a wrong method is a 405.
pub fn configure(config: &mut web::ServiceConfig) {
    let _ = config;
}
