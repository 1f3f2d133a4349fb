//! HTTP handlers, one per file, and the route table:
//!
//! - `GET /v1/reputation/{user_id}` ([`get_reputation`]): score, trust level, breakdowns
//! - `GET /v1/reputation/{user_id}/history` ([`list_history`]): every change with its reason
//! - `GET /v1/reputation/{user_id}/referrals` ([`get_referrals`]): referral bonuses
//!   (`user:read_private`: the owner and admins)
//! - `GET /v1/leaderboards` ([`get_leaderboard`]): ranks per period and kind, the caller's own
//! - `GET /v1/files/{sha256}/verdict` ([`get_file_verdict`]): the weighted consensus on a file
//!
//! Each handler takes `nexus_runtime::Caller` and asks it (docs/AUTHORIZATION.md:
//! `user:read_public`, guests included) before touching the store, and returns
//! `Result<_, ApiError>` from [`ReputationError`](crate::error::ReputationError).

pub mod get_file_verdict;
pub mod get_leaderboard;
pub mod get_referrals;
pub mod get_reputation;
pub mod list_history;
pub mod openapi;

use actix_web::web;

/// Mounts every route. Each path is a `web::resource(...)` so a wrong method is a 405.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/v1/reputation/{user_id}")
                .route(web::get().to(get_reputation::get_reputation)),
        )
        .service(
            web::resource("/v1/reputation/{user_id}/history")
                .route(web::get().to(list_history::list_history)),
        )
        .service(
            web::resource("/v1/reputation/{user_id}/referrals")
                .route(web::get().to(get_referrals::get_referrals)),
        )
        .service(
            web::resource("/v1/leaderboards")
                .route(web::get().to(get_leaderboard::get_leaderboard)),
        )
        .service(
            web::resource("/v1/files/{sha256}/verdict")
                .route(web::get().to(get_file_verdict::get_file_verdict)),
        );
}
