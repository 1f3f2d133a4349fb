//! The bounty service's public API as OpenAPI (served at `/openapi.json`, merged by the
//! gateway under `/api`). Each handler's `#[utoipa::path]` is listed in `paths(...)`; internal
//! paths are deliberately absent.

use nexus_http::openapi::BearerAuth;
use utoipa::OpenApi;

use crate::routes::{get_bounty, list_bounties, list_my_bounties};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "nexus-bounty", description = "Bounties on files, URLs and contracts."),
    paths(
        list_bounties::list_bounties,
        get_bounty::get_bounty,
        list_my_bounties::list_my_bounties,
        crate::routes::create_bounty::create_bounty,
        crate::routes::get_create_intent::get_create_intent,
        crate::routes::list_my_assertions::list_my_assertions,
        crate::routes::get_my_earnings::get_my_earnings,
        crate::routes::list_comments::list_comments,
        crate::routes::create_comment::create_comment,
        crate::routes::delete_comment::delete_comment,
        crate::routes::get_commit_intent::get_commit_intent,
        crate::routes::get_reveal_intent::get_reveal_intent,
        crate::routes::get_dispute_intent::get_dispute_intent,
        crate::routes::get_stake_intent::get_stake_intent,
        crate::routes::get_stake_intent::get_unstake_intent,
        crate::routes::create_commitment::create_commitment,
        crate::routes::create_reveal::create_reveal,
        crate::routes::create_dispute::create_dispute,
        crate::routes::resolve_bounty::resolve_bounty,
        crate::routes::claim_reward::claim_reward,
        crate::routes::refund_bounty::refund_bounty,
        crate::routes::create_stake::create_stake,
        crate::routes::create_stake::create_unstake,
        crate::routes::create_withdrawal::create_withdrawal
    ),
    components(schemas(
        nexus_proto::bounty::BountyView,
        nexus_proto::bounty::BountyTransaction,
        nexus_proto::bounty::BountyAssertion,
        nexus_proto::bounty::BountyPage,
        nexus_proto::bounty::ArtifactView,
        nexus_proto::bounty::ArtifactKind,
        nexus_proto::bounty::BountyStatus,
        nexus_proto::bounty::BountySort,
        nexus_proto::bounty_intents::ArtifactInput,
        nexus_proto::bounty_intents::CreateBountyRequest,
        nexus_proto::bounty_intents::BountyCreated,
        nexus_proto::bounty::SignedIntent,
        nexus_proto::bounty::SignedPermit,
        nexus_proto::bounty::IntentToSign,
        nexus_proto::bounty_me::MyAssertion,
        nexus_proto::bounty_me::MyAssertionPage,
        nexus_proto::bounty_me::AssertionOutcome,
        nexus_proto::bounty_me::EarningsPeriod,
        nexus_proto::bounty_me::EarningsAmounts,
        nexus_proto::bounty_me::PeriodEarnings,
        nexus_proto::bounty_me::MyEarnings,
        nexus_proto::bounty_me::NewComment,
        nexus_proto::bounty_me::CommentView,
        nexus_proto::bounty_me::CommentPage,
        nexus_proto::bounty_actions::CommitRequest,
        nexus_proto::bounty_actions::RevealRequest,
        nexus_proto::bounty_actions::RevealVerdict,
        nexus_proto::bounty_actions::DisputeRequest,
        nexus_proto::bounty_actions::EmptyRequest,
        nexus_proto::bounty_actions::ClaimRequest,
        nexus_proto::bounty_actions::StakeRequest,
        nexus_proto::bounty_actions::WithdrawalRequest,
        nexus_proto::ErrorBody
    )),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;
