//! `POST /v1/bounties/{id}/commitments`.

use actix_web::{HttpResponse, web};
use alloy::primitives::U256;
use nexus_chain::{relay, typed_data};
use nexus_core::bounty::Phase;
use nexus_http::{ApiError, Json};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::BountyTransaction;
use nexus_proto::bounty_actions::CommitRequest;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::domain::intent::{Intent, Permit, parse_bytes32, parse_uint};
use crate::error::BountyError;
use crate::relayer::NewTransaction;
use crate::routes::actions::{action_bounty, deployment, digest, queued, stake_for};
use crate::wallets::require_linked;

/// Commits a sealed assertion with its stake, relayed with `commitBySig` (the platform pays the
/// gas). Checks, in order: the bounty readable (404), `bounty:assert` (analysts; never on their
/// own bounty), open by the chain's clock (409 `bounty_not_open`), the stake at least the minimum
/// (422 `stake_too_low`), the signer a linked wallet (403 `wallet_not_linked`), the intent and the
/// permit signed by that wallet over these values and not expired (422). The job is keyed by the
/// intent's EIP-712 digest: the same intent again answers the same job and queues nothing.
#[utoipa::path(
    post,
    path = "/v1/bounties/{id}/commitments",
    params(("id" = Uuid, Path, description = "The bounty id")),
    request_body = CommitRequest,
    tag = "bounty",
    responses(
        (status = 202, description = "The commit call is queued for the relayer", body = BountyTransaction),
        (status = 400, description = "A malformed body or field (`invalid_json`, `invalid_intent`; 422 `invalid_request_body` for a body of another shape)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an analyst, the caller's own bounty (`forbidden`), or a wallet not linked (`wallet_not_linked`)", body = ErrorBody),
        (status = 404, description = "No such bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 409, description = "Not open for commitments (`bounty_not_open`, `bounty_not_on_chain`)", body = ErrorBody),
        (status = 422, description = "Signed by another key or over other values (`intent_signature_mismatch`), expired (`intent_expired`), or a stake below the minimum (`stake_too_low`)", body = ErrorBody),
        (status = 503, description = "The deployments file, nexus-user or the database is unavailable", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_commitment(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<CommitRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(commit(&service, &caller, path.into_inner(), body.0).await?)
}

async fn commit(
    service: &BountyService,
    caller: &Caller,
    id: Uuid,
    body: CommitRequest,
) -> Result<HttpResponse, BountyError> {
    let bounty = action_bounty(service, caller, id, Action::BountyAssert).await?;
    bounty.require(
        bounty.phase == Phase::Open,
        "bounty_not_open",
        "commitments are accepted while it is open",
    )?;
    let commitment = parse_bytes32("commitment", &body.commitment)?;
    let stake = stake_for(&bounty, "stake", &body.stake)?;
    let intent = Intent::parse(&body.intent)?;
    let permit = body
        .permit
        .as_ref()
        .map(|wire| {
            Ok::<_, BountyError>((
                Permit::parse(wire)?,
                parse_uint("permit.nonce", &wire.nonce)?,
            ))
        })
        .transpose()?;
    require_linked(service, caller, intent.signer).await?;
    let deployment = deployment(service).await?;
    let now = u64::try_from(bounty.now).unwrap_or_default();
    let typed = typed_data::commit(
        deployment,
        intent.signer,
        bounty.chain_id,
        commitment,
        stake,
        intent.nonce,
        intent.deadline,
    );
    intent.check(&typed, now)?;
    if let Some((permit, nonce)) = &permit {
        let signed = typed_data::permit(
            deployment,
            intent.signer,
            U256::from(stake),
            *nonce,
            permit.deadline,
        );
        permit.check(&signed, intent.signer, now)?;
    }
    let call = relay::commit_call(
        deployment,
        bounty.chain_id,
        commitment,
        stake,
        intent.to_bounty(),
        permit.map_or_else(relay::no_permit, |(permit, _)| permit.to_abi()),
    );
    let (to, calldata) = call.into_parts();
    queued(
        service,
        NewTransaction {
            kind: "commit".to_owned(),
            bounty_id: Some(bounty.row.id),
            to,
            calldata,
            idempotency_key: digest(&typed)?,
        },
    )
    .await
}
