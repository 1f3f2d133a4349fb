//! HTTP handlers, one per file (`routes/<verb_noun>.rs`), and the route table.
//!
//! None yet. Planned: `GET /v1/chain/status`, `GET /v1/chain/parameters` and `GET
//! /v1/chain/accounts/{address}`. Each handler takes `nexus_runtime::Caller` and asks it
//! (docs/AUTHORIZATION.md) before touching the store, and returns `Result<_, ChainListenerError>`.

pub mod openapi;

use actix_web::web;

/// Mounts every route. Declare each path with `web::resource(...)` so a wrong method is a 405.
pub fn configure(config: &mut web::ServiceConfig) {
    let _ = config;
}
