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
//! | `GET /v1/me/bounties` | [`list_my_bounties`] (an account's own, private ones included) | `bounty:list`, `bounty:read` per row |
//!
//! Still to come (docs/BOUNTIES.md, "Not built yet"): intents, create, commitments, reveals,
//! disputes, resolve, claims, refunds, comments, `/v1/me/assertions` and `/v1/me/earnings`.

pub mod get_bounty;
pub mod list_bounties;
pub mod list_my_bounties;
pub mod openapi;

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
    config
        .service(web::resource("/v1/bounties").route(web::get().to(list_bounties::list_bounties)))
        .service(web::resource("/v1/bounties/{id}").route(web::get().to(get_bounty::get_bounty)))
        .service(
            web::resource("/v1/me/bounties")
                .route(web::get().to(list_my_bounties::list_my_bounties)),
        );
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
    let kind = match row.artifact_kind.as_str() {
        "file" => ArtifactKind::File,
        "url" => ArtifactKind::Url,
        "contract" => ArtifactKind::Contract,
        _ => return Err(corrupt("artifact kind")),
    };
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
