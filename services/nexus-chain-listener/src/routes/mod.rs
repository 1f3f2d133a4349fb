//! HTTP handlers, one per file, and the route table:
//! - `GET /v1/chain/status` ([`get_status`]): head, confirmed height, lag, halt, last reorg.
//! - `GET /v1/chain/parameters` ([`get_parameters`]): the governed parameters in force.
//! - `GET /v1/chain/accounts/{address}` ([`get_account`]): an account's NXS and stake.
//! - `GET /v1/chain/proposals` ([`get_proposals`]): governance proposals, newest first, by state.
//! - `GET /v1/chain/proposals/{id}` ([`get_proposal`]): one proposal, its totals and state now.
//! - `GET /v1/chain/proposals/{id}/votes` ([`get_proposal_votes`]): its votes, in chain order.
//!
//! Each handler takes `nexus_runtime::Caller` and asks it for `chain:read` on the platform
//! (policies/chain.cedar: everyone, guests included) before touching the store.

pub mod get_account;
pub mod get_parameters;
pub mod get_proposal;
pub mod get_proposal_votes;
pub mod get_proposals;
pub mod get_status;
pub mod openapi;

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_runtime::Caller;

use crate::error::ChainListenerError;

/// Mounts every route. Declare each path with `web::resource(...)` so a wrong method is a 405.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(web::resource("/v1/chain/status").route(web::get().to(get_status::get_status)))
        .service(
            web::resource("/v1/chain/parameters")
                .route(web::get().to(get_parameters::get_parameters)),
        )
        .service(
            web::resource("/v1/chain/accounts/{address}")
                .route(web::get().to(get_account::get_account)),
        )
        .service(
            web::resource("/v1/chain/proposals").route(web::get().to(get_proposals::get_proposals)),
        )
        .service(
            web::resource("/v1/chain/proposals/{id}")
                .route(web::get().to(get_proposal::get_proposal)),
        )
        .service(
            web::resource("/v1/chain/proposals/{id}/votes")
                .route(web::get().to(get_proposal_votes::get_proposal_votes)),
        );
}

/// The largest page of a list.
const MAX_LIMIT: u32 = 100;
/// The page size when none is asked for.
const DEFAULT_LIMIT: u32 = 20;

/// A list's page size: 1–100, 20 when absent (`400 invalid_filter` otherwise).
fn page_limit(limit: Option<u32>) -> Result<usize, ChainListenerError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit as usize)
    } else {
        Err(ChainListenerError::InvalidFilter(format!(
            "limit must be 1–{MAX_LIMIT}"
        )))
    }
}

/// `chain:read` on the platform, asked of the shared caller.
fn authorize_read(caller: &Caller) -> Result<(), ApiError> {
    caller.authorize(Action::ChainRead, Resource::Platform)?;
    Ok(())
}

/// The chain id the listener follows, or 503 before it reached the chain once.
fn chain_id(service: &crate::ChainListenerService) -> Result<u64, ChainListenerError> {
    service.follower.state().chain_id.ok_or_else(|| {
        ChainListenerError::ChainUnavailable(
            service
                .follower
                .state()
                .failing
                .unwrap_or_else(|| "not connected yet".to_owned()),
        )
    })
}
