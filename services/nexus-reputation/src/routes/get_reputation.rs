//! `GET /v1/reputation/{user_id}`: an account's public reputation.

use actix_web::web;
use chrono::Utc;
use nexus_core::reputation::{AnalystScore, TrustLevel, reputation};
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::reputation::{ReputationView, ScoreBreakdown};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::ReputationService;
use crate::domain::projection::{ScoredAssertion, kind_name};
use crate::domain::trust::{unlocks, wire_level};
use crate::error::ReputationError;

/// The account's score over every wallet it linked, decayed to now, its trust level and what
/// that unlocks, and the breakdown per artifact kind and file type and per family. Public
/// (`user:read_public`, guests included): it is made of public chain facts.
#[utoipa::path(
    get,
    path = "/v1/reputation/{user_id}",
    params(("user_id" = Uuid, Path, description = "The account's user id")),
    tag = "reputation",
    responses(
        (status = 200, description = "The account's reputation", body = ReputationView),
        (status = 404, description = "No settled assertion from a wallet linked to this account (`reputation_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn get_reputation(
    service: web::Data<ReputationService>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<web::Json<ReputationView>, ApiError> {
    let user_id = path.into_inner();
    caller.authorize(
        Action::UserReadPublic,
        Resource::UserAccount {
            id: user_id.to_string(),
        },
    )?;
    let wallets = service.store.wallets_of(user_id).await?;
    if wallets.is_empty() {
        return Err(ReputationError::ReputationNotFound.into());
    }
    let addresses: Vec<String> = wallets.iter().map(|(address, _)| address.clone()).collect();
    let assertions = service.store.assertions_of(&addresses).await?;
    let settled: Vec<_> = assertions
        .iter()
        .filter_map(ScoredAssertion::settled)
        .collect();
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
    let scores = reputation(&settled, now);
    let level = TrustLevel::of(&scores.overall);
    let row = |key: String, kind: Option<String>, score: &AnalystScore| ScoreBreakdown {
        key,
        kind,
        score: score.points,
        skill: score.skill(),
        assertions: score.settled,
        correct: score.right,
    };
    let mut by_file_type: Vec<_> = scores
        .by_category
        .iter()
        .map(|(category, score)| {
            row(
                category.file_type.as_str().to_owned(),
                Some(kind_name(category.kind).to_owned()),
                score,
            )
        })
        .collect();
    let mut by_family: Vec<_> = scores
        .by_family
        .iter()
        .map(|(family, score)| row(family.clone(), None, score))
        .collect();
    for rows in [&mut by_file_type, &mut by_family] {
        rows.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.key.cmp(&b.key)));
    }
    Ok(web::Json(ReputationView {
        user_id: user_id.to_string(),
        score: scores.overall.points,
        skill: scores.overall.skill(),
        trust_level: wire_level(level),
        unlocks: unlocks(level),
        assertions: scores.overall.settled,
        correct: scores.overall.right,
        by_file_type,
        by_family,
        wallets: addresses,
        updated_at: wallets.iter().map(|(_, at)| *at).max(),
    }))
}
