//! `POST /v1/bounties/{id}/disputes`.

use actix_web::{HttpResponse, web};
use alloy::primitives::Address;
use nexus_chain::{relay, typed_data};
use nexus_core::bounty::Phase;
use nexus_http::{ApiError, Json};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::BountyTransaction;
use nexus_proto::bounty_actions::DisputeRequest;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::domain::intent::Intent;
use crate::error::BountyError;
use crate::relayer::NewTransaction;
use crate::routes::actions::{ActionBounty, action_bounty, deployment, digest, queued};
use crate::wallets::require_linked;

/// Disputes a bounty's result with a signed `OpenDispute` intent, relayed with
/// `openDisputeBySig`. Checks: the bounty readable (404), `bounty:dispute` (its creator or an
/// analyst), resolved and within the dispute window by the chain's clock (409
/// `bounty_not_disputable`), the signer a linked wallet (403 `wallet_not_linked`) that created the
/// bounty or revealed on it (403 `not_a_participant`), the intent signed over these values and
/// not expired (422). Keyed by the intent's digest.
#[utoipa::path(
    post,
    path = "/v1/bounties/{id}/disputes",
    params(("id" = Uuid, Path, description = "The bounty id")),
    request_body = DisputeRequest,
    tag = "bounty",
    responses(
        (status = 202, description = "The dispute call is queued for the relayer", body = BountyTransaction),
        (status = 400, description = "A malformed body or intent (`invalid_json`, `invalid_intent`; 422 `invalid_request_body` for a body of another shape)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`), a wallet not linked (`wallet_not_linked`) or not a participant (`not_a_participant`)", body = ErrorBody),
        (status = 404, description = "No such bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 409, description = "Not in its dispute window (`bounty_not_disputable`)", body = ErrorBody),
        (status = 422, description = "Signed by another key or over other values (`intent_signature_mismatch`) or expired (`intent_expired`)", body = ErrorBody),
        (status = 503, description = "The deployments file, nexus-user or the database is unavailable", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_dispute(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<DisputeRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(dispute(&service, &caller, path.into_inner(), body.0).await?)
}

async fn dispute(
    service: &BountyService,
    caller: &Caller,
    id: Uuid,
    body: DisputeRequest,
) -> Result<HttpResponse, BountyError> {
    let bounty = action_bounty(service, caller, id, Action::BountyDispute).await?;
    disputable(service, &bounty).await?;
    let intent = Intent::parse(&body.intent)?;
    require_linked(service, caller, intent.signer).await?;
    require_participant(service, &bounty, intent.signer).await?;
    let deployment = deployment(service).await?;
    let typed = typed_data::open_dispute(
        deployment,
        intent.signer,
        bounty.chain_id,
        intent.nonce,
        intent.deadline,
    );
    intent.check(&typed, u64::try_from(bounty.now).unwrap_or_default())?;
    let call = relay::open_dispute_call(deployment, bounty.chain_id, intent.to_bounty());
    let (to, calldata) = call.into_parts();
    queued(
        service,
        NewTransaction {
            kind: "open_dispute".to_owned(),
            bounty_id: Some(bounty.row.id),
            to,
            calldata,
            idempotency_key: digest(&typed)?,
        },
    )
    .await
}

/// 409 `bounty_not_disputable` unless `bounty` is resolved and its dispute window is open.
pub(crate) async fn disputable(
    service: &BountyService,
    bounty: &ActionBounty,
) -> Result<(), BountyError> {
    let facts = service.store.settlement_facts(bounty.row.id).await?;
    bounty.require(
        bounty.phase == Phase::Resolved && facts.is_disputable(bounty.now),
        "bounty_not_disputable",
        "a result may be disputed once, after resolution, until the dispute deadline",
    )
}

/// 403 `not_a_participant` unless `signer` created the bounty or revealed an assertion on it
/// (the contract's rule).
pub(crate) async fn require_participant(
    service: &BountyService,
    bounty: &ActionBounty,
    signer: Address,
) -> Result<(), BountyError> {
    if bounty.row.creator_address.as_slice() == signer.as_slice() {
        return Ok(());
    }
    let revealed = service
        .store
        .bounty_assertions(bounty.row.id)
        .await?
        .iter()
        .any(|row| row.analyst.as_slice() == signer.as_slice() && row.verdict.is_some());
    if revealed {
        Ok(())
    } else {
        Err(BountyError::NotParticipant(signer))
    }
}
