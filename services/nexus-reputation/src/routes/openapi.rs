//! The reputation service's public API as OpenAPI (served at `/openapi.json`, merged by the
//! gateway under `/api`). Internal paths are deliberately absent.

use nexus_http::openapi::BearerAuth;
use utoipa::OpenApi;

use super::{get_file_verdict, get_leaderboard, get_referrals, get_reputation, list_history};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "nexus-reputation", description = "Analyst reputation and leaderboards."),
    paths(
        get_reputation::get_reputation,
        list_history::list_history,
        get_referrals::get_referrals,
        get_leaderboard::get_leaderboard,
        get_file_verdict::get_file_verdict,
    ),
    components(schemas(
        nexus_proto::reputation::ReputationView,
        nexus_proto::reputation::ReferralEarnings,
        nexus_proto::reputation::ScoreBreakdown,
        nexus_proto::reputation::TrustLevel,
        nexus_proto::reputation::TrustUnlocks,
        nexus_proto::reputation::HistoryPage,
        nexus_proto::reputation::HistoryEntry,
        nexus_proto::reputation::Leaderboard,
        nexus_proto::reputation::LeaderboardEntry,
        nexus_proto::reputation::FileVerdictView,
        nexus_proto::reputation::EngineHintView,
        nexus_proto::reputation::VerdictAssertion,
        nexus_proto::reputation::VerdictReputation,
        nexus_proto::ErrorBody,
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
