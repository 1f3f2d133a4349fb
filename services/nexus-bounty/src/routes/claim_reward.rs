//! `POST /v1/bounties/{id}/claims`.

use actix_web::{HttpResponse, web};
use nexus_chain::relay;
use nexus_http::{ApiError, Json};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::BountyTransaction;
use nexus_proto::bounty_actions::ClaimRequest;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::domain::intent::parse_address;
use crate::error::BountyError;
use crate::relayer::NewTransaction;
use crate::routes::actions::{action_bounty, deployment, queued};

/// Pays `analyst` what the final bounty owes it (`claim`: stake plus share for a winner, the
/// stake back when Invalid). Open to any signed-in account (`bounty:resolve`): the money only
/// ever goes to the analyst. Checks: the bounty readable (404), final by the chain's clock (409
/// `bounty_not_final`), the analyst revealed, is owed by the outcome and was not paid yet (409
/// `nothing_to_claim`). Keyed by the call: one claim per analyst and bounty.
#[utoipa::path(
    post,
    path = "/v1/bounties/{id}/claims",
    params(("id" = Uuid, Path, description = "The bounty id")),
    request_body = ClaimRequest,
    tag = "bounty",
    responses(
        (status = 202, description = "The claim call is queued for the relayer", body = BountyTransaction),
        (status = 400, description = "A malformed body or analyst (`invalid_json`, `invalid_intent`; 422 `invalid_request_body` for a body of another shape)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 409, description = "Not final (`bounty_not_final`) or nothing owed (`nothing_to_claim`)", body = ErrorBody),
        (status = 503, description = "The deployments file or the database is unavailable", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn claim_reward(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<Uuid>,
    body: Json<ClaimRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(claim(&service, &caller, path.into_inner(), body.0).await?)
}

async fn claim(
    service: &BountyService,
    caller: &Caller,
    id: Uuid,
    body: ClaimRequest,
) -> Result<HttpResponse, BountyError> {
    let bounty = action_bounty(service, caller, id, Action::BountyResolve).await?;
    let analyst = parse_address("analyst", &body.analyst)?;
    let facts = service.store.settlement_facts(bounty.row.id).await?;
    bounty.require(
        facts.is_final(bounty.now),
        "bounty_not_final",
        "payouts open once it is resolved and its dispute window (or arbitration) is over",
    )?;
    let outcome = bounty.row.outcome.as_deref();
    let owed = service
        .store
        .bounty_assertions(bounty.row.id)
        .await?
        .into_iter()
        .any(|row| {
            row.analyst.as_slice() == analyst.as_slice()
                && !row.claimed
                && row
                    .verdict
                    .as_deref()
                    .is_some_and(|verdict| outcome == Some("invalid") || outcome == Some(verdict))
        });
    bounty.require(
        owed,
        "nothing_to_claim",
        &format!("it owes {analyst} nothing (no winning or refundable reveal, or already paid)"),
    )?;
    let call = relay::claim_call(deployment(service).await?, bounty.chain_id, analyst);
    let key = call.key();
    let (to, calldata) = call.into_parts();
    queued(
        service,
        NewTransaction {
            kind: "claim".to_owned(),
            bounty_id: Some(bounty.row.id),
            to,
            calldata,
            idempotency_key: key,
        },
    )
    .await
}
