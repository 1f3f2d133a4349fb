//! HTTP handlers, one per file (`routes/<verb_noun>.rs`), and the route table. Every handler
//! takes the shared [`Caller`] and asks the Cedar policies
//! ([`Caller::authorize`], [`Caller::allows`] for lists) on the resource
//! [`crate::domain::access`] builds; there is no role check in this crate. A bounty the caller
//! may not read answers 404, as if it did not exist (docs/AUTHORIZATION.md).
//!
//! | route | handler | action |
//! |---|---|---|
//! | `GET /v1/bounties` | [`list_bounties`] (only readable rows listed) | `bounty:list`, `bounty:read` per row |
//! | `GET /v1/bounties/{id}` | [`get_bounty`] (guests: public bounties) | `bounty:read` |
//! | `POST /v1/bounties` | [`create_bounty`] (202, queued for the relayer) | `bounty:create` (owner = caller) |
//! | `GET /v1/bounties/intents/create` | [`get_create_intent`] (typed data to sign) | `bounty:create` (owner = caller) |
//! | `GET /v1/me/bounties` | [`list_my_bounties`] (an account's own, private ones included) | `bounty:list`, `bounty:read` per row |
//! | `GET /v1/me/assertions` | [`list_my_assertions`] (every linked wallet's) | `user:read_private` on the caller's account |
//! | `GET /v1/me/earnings` | [`get_my_earnings`] (totals and per period) | `user:read_private` on the caller's account |
//! | `GET /v1/bounties/{id}/comments` | [`list_comments`] (oldest first) | `bounty:read` |
//! | `POST /v1/bounties/{id}/comments` | [`create_comment`] (201; 5 per minute) | `bounty:read`, `bounty:comment` |
//! | `DELETE /v1/bounties/{id}/comments/{comment_id}` | [`delete_comment`] (204) | `bounty:read`, `bounty:delete_comment` (admins) |
//! | `GET /v1/bounties/intents/commit` | [`get_commit_intent`] (CommitAssertion + Permit) | `bounty:read`, `bounty:assert` |
//! | `GET /v1/bounties/intents/reveal` | [`get_reveal_intent`] (no typed data: how to reveal) | `bounty:read`, `bounty:assert` |
//! | `GET /v1/bounties/intents/dispute` | [`get_dispute_intent`] (OpenDispute) | `bounty:read`, `bounty:dispute` |
//! | `GET /v1/bounties/intents/stake`, `.../unstake` | [`get_stake_intent`] (Stake, RequestUnstake) | `bounty:stake` |
//! | `POST /v1/bounties/{id}/commitments` | [`create_commitment`] (202, relayed) | `bounty:read`, `bounty:assert` |
//! | `POST /v1/bounties/{id}/reveals` | [`create_reveal`] (202, relayed) | `bounty:read`, `bounty:assert` |
//! | `POST /v1/bounties/{id}/disputes` | [`create_dispute`] (202, relayed) | `bounty:read`, `bounty:dispute` |
//! | `POST /v1/bounties/{id}/resolve` | [`resolve_bounty`] (202, relayed) | `bounty:read`, `bounty:resolve` (any account) |
//! | `POST /v1/bounties/{id}/claims` | [`claim_reward`] (202, relayed) | `bounty:read`, `bounty:resolve` (any account) |
//! | `POST /v1/bounties/{id}/refunds` | [`refund_bounty`] (202, relayed) | `bounty:read`, `bounty:resolve` (any account) |
//! | `POST /v1/bounties/stakes`, `.../unstakes` | [`create_stake`] (202, relayed) | `bounty:stake` |
//! | `POST /v1/bounties/unstakes/withdrawals` | [`create_withdrawal`] (202, relayed; any account's cooled-down unstake) | `bounty:stake` |
//!
//! The analysts' actions share `routes/actions.rs`: the bounty as the action sees it (its
//! phase at the chain's latest block), the 409 state checks and the `202` answer with the job.

pub(crate) mod actions;
pub mod claim_reward;
pub mod create_bounty;
pub mod create_comment;
pub mod create_commitment;
pub mod create_dispute;
pub mod create_reveal;
pub mod create_stake;
pub mod create_withdrawal;
pub mod delete_comment;
pub mod get_bounty;
pub mod get_commit_intent;
pub mod get_create_intent;
pub mod get_dispute_intent;
pub mod get_my_earnings;
pub mod get_reveal_intent;
pub mod get_stake_intent;
pub mod list_bounties;
pub mod list_comments;
pub mod list_my_assertions;
pub mod list_my_bounties;
pub mod openapi;
pub mod refund_bounty;
pub mod resolve_bounty;

use actix_web::web;
use nexus_core::bounty::Phase;
use nexus_core::hex;
use nexus_policy::Action;
use nexus_proto::bounty::{ArtifactKind, ArtifactView, BountyView};
use nexus_runtime::{Caller, Denied};
use uuid::Uuid;

use crate::domain::{access, status};
use crate::error::BountyError;
use crate::store::{BountyRow, Store};

/// Mounts every route, each path with `web::resource(...)` so a wrong method is a 405.
///
/// Paths without a parameter come before `/v1/bounties/{id}`, whose pattern would match them
/// too (and answer 405 for their method).
pub fn configure(config: &mut web::ServiceConfig) {
    // HA: intents and create (`/v1/bounties/intents/{kind}`; POST on `/v1/bounties` joins the
    // list's resource below).
    config.service(
        web::resource("/v1/bounties/intents/create")
            .route(web::get().to(get_create_intent::get_create_intent)),
    );
    // HB: `/v1/bounties/stakes` (before `{id}`).
    config
        .service(
            web::resource("/v1/bounties/intents/commit")
                .route(web::get().to(get_commit_intent::get_commit_intent)),
        )
        .service(
            web::resource("/v1/bounties/intents/reveal")
                .route(web::get().to(get_reveal_intent::get_reveal_intent)),
        )
        .service(
            web::resource("/v1/bounties/intents/dispute")
                .route(web::get().to(get_dispute_intent::get_dispute_intent)),
        )
        .service(
            web::resource("/v1/bounties/intents/stake")
                .route(web::get().to(get_stake_intent::get_stake_intent)),
        )
        .service(
            web::resource("/v1/bounties/intents/unstake")
                .route(web::get().to(get_stake_intent::get_unstake_intent)),
        )
        .service(
            web::resource("/v1/bounties/stakes").route(web::post().to(create_stake::create_stake)),
        )
        .service(
            web::resource("/v1/bounties/unstakes")
                .route(web::post().to(create_stake::create_unstake)),
        )
        .service(
            web::resource("/v1/bounties/unstakes/withdrawals")
                .route(web::post().to(create_withdrawal::create_withdrawal)),
        );
    // HB end of the paths before `{id}`.
    config
        .service(
            web::resource("/v1/bounties")
                .route(web::get().to(list_bounties::list_bounties))
                .route(web::post().to(create_bounty::create_bounty)),
        )
        .service(web::resource("/v1/bounties/{id}").route(web::get().to(get_bounty::get_bounty)))
        .service(
            web::resource("/v1/me/bounties")
                .route(web::get().to(list_my_bounties::list_my_bounties)),
        );
    // HB: `/v1/bounties/{id}/commitments|reveals|disputes|resolve|claims|refunds`.
    config
        .service(
            web::resource("/v1/bounties/{id}/commitments")
                .route(web::post().to(create_commitment::create_commitment)),
        )
        .service(
            web::resource("/v1/bounties/{id}/reveals")
                .route(web::post().to(create_reveal::create_reveal)),
        )
        .service(
            web::resource("/v1/bounties/{id}/disputes")
                .route(web::post().to(create_dispute::create_dispute)),
        )
        .service(
            web::resource("/v1/bounties/{id}/resolve")
                .route(web::post().to(resolve_bounty::resolve_bounty)),
        )
        .service(
            web::resource("/v1/bounties/{id}/claims")
                .route(web::post().to(claim_reward::claim_reward)),
        )
        .service(
            web::resource("/v1/bounties/{id}/refunds")
                .route(web::post().to(refund_bounty::refund_bounty)),
        );
    // HB end.
    // HC: `/v1/me/assertions`, `/v1/me/earnings`, `/v1/bounties/{id}/comments[/{comment_id}]`.
    config
        .service(
            web::resource("/v1/me/assertions")
                .route(web::get().to(list_my_assertions::list_my_assertions)),
        )
        .service(
            web::resource("/v1/me/earnings").route(web::get().to(get_my_earnings::get_my_earnings)),
        )
        .service(
            web::resource("/v1/bounties/{id}/comments")
                .route(web::get().to(list_comments::list_comments))
                .route(web::post().to(create_comment::create_comment)),
        )
        .service(
            web::resource("/v1/bounties/{id}/comments/{comment_id}")
                .route(web::delete().to(delete_comment::delete_comment)),
        );
    // HC end.
}

/// `denied` as the caller sees it: 404 when the refusal depends on the bounty (the caller
/// learns nothing about whether it exists), the denial itself otherwise (a missing API-key
/// scope says nothing about the bounty).
fn hidden(denied: Denied, id: Uuid) -> BountyError {
    if denied.hides_existence() {
        BountyError::BountyNotFound(id)
    } else {
        denied.into()
    }
}

/// The bounty `id`, once `bounty:read` allows it; 404 `bounty_not_found` otherwise.
pub(crate) async fn readable_bounty(
    store: &Store,
    caller: &Caller,
    id: Uuid,
) -> Result<BountyRow, BountyError> {
    caller.require_scope(Action::BountyRead)?;
    let row = store
        .bounty(id)
        .await?
        .ok_or(BountyError::BountyNotFound(id))?;
    caller
        .authorize(Action::BountyRead, resource_of(&row)?)
        .map_err(|denied| hidden(denied, id))?;
    Ok(row)
}

/// The stored phase of `row`.
fn phase_of(row: &BountyRow) -> Result<Phase, BountyError> {
    Phase::parse(&row.status).ok_or_else(|| {
        BountyError::Internal(format!("bounty {} has status {:?}", row.id, row.status))
    })
}

/// The policies' view of `row`.
pub(crate) fn resource_of(row: &BountyRow) -> Result<nexus_policy::Resource, BountyError> {
    Ok(access::resource(
        &row.id.to_string(),
        &row.creator_id,
        phase_of(row)?,
        row.is_public,
    ))
}

/// `row` as the API shows it.
pub(crate) fn view_of(row: &BountyRow) -> Result<BountyView, BountyError> {
    let corrupt =
        |what: &str| BountyError::Internal(format!("bounty {} has an invalid {what}", row.id));
    let status = status::wire(phase_of(row)?);
    let kind = status::artifact_kind(&row.artifact_kind).ok_or_else(|| corrupt("artifact kind"))?;
    let hash = hex::encode(&row.artifact_hash);
    let artifact = ArtifactView {
        kind,
        sha256: (kind == ArtifactKind::File).then(|| hash.clone()),
        hash: format!("0x{hash}"),
        url: row.artifact_url.clone(),
        chain_id: row
            .artifact_chain_id
            .map(|id| u64::try_from(id).map_err(|_| corrupt("chain id")))
            .transpose()?,
        address: row
            .artifact_address
            .as_ref()
            .map(|address| format!("0x{}", hex::encode(address))),
    };
    Ok(BountyView {
        id: row.id,
        creator: row.creator_id.clone(),
        creator_address: format!("0x{}", hex::encode(&row.creator_address)),
        artifact,
        reward: row.reward.clone(),
        min_stake: row.min_stake.clone(),
        assertion_deadline: row.assertion_deadline,
        reveal_deadline: row.reveal_deadline,
        is_public: row.is_public,
        status,
        chain_bounty_id: row
            .chain_bounty_id
            .map(|id| u64::try_from(id).map_err(|_| corrupt("chain bounty id")))
            .transpose()?,
        commitment_count: u32::try_from(row.commitment_count).map_err(|_| corrupt("count"))?,
        reveal_count: u32::try_from(row.reveal_count).map_err(|_| corrupt("count"))?,
        outcome: row.outcome.clone(),
        created_at: row.created_at,
        transactions: Vec::new(),
        assertions: Vec::new(),
    })
}
