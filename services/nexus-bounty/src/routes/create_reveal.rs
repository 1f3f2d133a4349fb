//! `POST /v1/bounties/{id}/reveals`.

use actix_web::{HttpResponse, web};
use nexus_chain::commitment::{SealedAssertion, VerdictCode};
use nexus_chain::relay;
use nexus_core::bounty::Phase;
use nexus_http::{ApiError, Json};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::BountyTransaction;
use nexus_proto::bounty_actions::{RevealRequest, RevealVerdict};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::domain::intent::{IntentError, parse_address, parse_bytes32};
use crate::error::BountyError;
use crate::relayer::NewTransaction;
use crate::routes::actions::{action_bounty, deployment, queued};
use crate::wallets::require_linked;

/// Reveals an analyst's sealed assertion, relayed with `reveal` (not signed: the contract accepts
/// only values that hash to that analyst's own commitment). Checks: the bounty readable (404),
/// `bounty:assert`, in its reveal window by the chain's clock (409 `bounty_not_revealing`), the
/// analyst a wallet linked to the caller (403 `wallet_not_linked`: nobody reveals for another
/// account), a commitment of that analyst confirmed on chain (409 `not_committed`). The job is
/// keyed by the call itself, so the same reveal again answers the same job.
#[utoipa::path(
    post,
    path = "/v1/bounties/{id}/reveals",
    params(("id" = Uuid, Path, description = "The bounty id")),
    request_body = RevealRequest,
    tag = "bounty",
    responses(
        (status = 202, description = "The reveal call is queued for the relayer", body = BountyTransaction),
        (status = 400, description = "A malformed body or field (`invalid_json`, `invalid_intent`; 422 `invalid_request_body` for a body of another shape)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an analyst (`forbidden`) or not the caller's wallet (`wallet_not_linked`)", body = ErrorBody),
        (status = 404, description = "No such bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 409, description = "Not in its reveal window (`bounty_not_revealing`) or no commitment of this analyst (`not_committed`)", body = ErrorBody),
        (status = 503, description = "The deployments file, nexus-user or the database is unavailable", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_reveal(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<RevealRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(reveal(&service, &caller, path.into_inner(), body.0).await?)
}

async fn reveal(
    service: &BountyService,
    caller: &Caller,
    id: Uuid,
    body: RevealRequest,
) -> Result<HttpResponse, BountyError> {
    let bounty = action_bounty(service, caller, id, Action::BountyAssert).await?;
    bounty.require(
        bounty.phase == Phase::Revealing,
        "bounty_not_revealing",
        "reveals are accepted after the commit window closed, until the reveal deadline",
    )?;
    let analyst = parse_address("analyst", &body.analyst)?;
    if body.confidence > 100 {
        return Err(IntentError::Malformed {
            field: "confidence",
            problem: "must be a percentage, 0 to 100".into(),
        }
        .into());
    }
    let assertion = SealedAssertion {
        verdict: match body.verdict {
            RevealVerdict::Benign => VerdictCode::Benign,
            RevealVerdict::Malicious => VerdictCode::Malicious,
        },
        confidence: body.confidence,
        metadata_hash: parse_bytes32("metadata_hash", &body.metadata_hash)?,
        salt: parse_bytes32("salt", &body.salt)?,
    };
    require_linked(service, caller, analyst).await?;
    let committed = service
        .store
        .bounty_assertions(bounty.row.id)
        .await?
        .iter()
        .any(|row| row.analyst.as_slice() == analyst.as_slice());
    bounty.require(
        committed,
        "not_committed",
        &format!("the chain has confirmed no commitment of {analyst} on it"),
    )?;
    let deployment = deployment(service).await?;
    let call = relay::reveal_call(deployment, bounty.chain_id, analyst, &assertion);
    let key = call.key();
    let (to, calldata) = call.into_parts();
    queued(
        service,
        NewTransaction {
            kind: "reveal".to_owned(),
            bounty_id: Some(bounty.row.id),
            to,
            calldata,
            idempotency_key: key,
        },
    )
    .await
}
