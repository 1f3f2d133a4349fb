//! HTTP handlers, one per file (`routes/<verb_noun>.rs`), and the route table.
//!
//! None yet. Planned: `/v1/bounties` (intents, create, list, read, commitments, reveals, disputes,
//! resolve, claims, refunds, comments) and `/v1/me/bounties`, `/v1/me/assertions`,
//! `/v1/me/earnings`. Each handler takes `nexus_runtime::Caller` and asks it
//! (docs/AUTHORIZATION.md) before touching the store, and returns `Result<_, BountyError>`.

pub mod openapi;

use actix_web::web;

/// Mounts every route. Declare each path with `web::resource(...)` so a wrong method is a 405.
pub fn configure(config: &mut web::ServiceConfig) {
    let _ = config;
}
