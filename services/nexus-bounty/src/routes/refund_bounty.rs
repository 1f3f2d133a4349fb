//! `POST /v1/bounties/{id}/refunds`.

use actix_web::{HttpResponse, web};
use nexus_chain::relay;
use nexus_http::{ApiError, Json};
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::BountyTransaction;
use nexus_proto::bounty_actions::EmptyRequest;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::error::BountyError;
use crate::relayer::NewTransaction;
use crate::routes::actions::{action_bounty, deployment, queued};

/// Refunds the creator's reward of a final, Invalid bounty (`refundCreator`; an expired bounty
/// resolves Invalid). Open to any signed-in account (`bounty:resolve`): the money only goes to
/// the creator. Checks: the bounty readable (404), Invalid, final by the chain's clock and not
/// refunded yet (409 `bounty_not_refundable`). Keyed by the call, the scheduler's key too.
#[utoipa::path(
    post,
    path = "/v1/bounties/{id}/refunds",
    params(("id" = Uuid, Path, description = "The bounty id")),
    request_body = EmptyRequest,
    tag = "bounty",
    responses(
        (status = 202, description = "The refund call is queued for the relayer", body = BountyTransaction),
        (status = 422, description = "A body other than `{}` (`invalid_request_body`)", body = ErrorBody),
        (status = 401, description = "Not signed in (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Refused by the policies (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such bounty the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 409, description = "Nothing to refund now (`bounty_not_refundable`)", body = ErrorBody),
        (status = 503, description = "The deployments file or the database is unavailable", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn refund_bounty(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<Uuid>,
    _body: Json<EmptyRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(refund(&service, &caller, path.into_inner()).await?)
}

async fn refund(
    service: &BountyService,
    caller: &Caller,
    id: Uuid,
) -> Result<HttpResponse, BountyError> {
    let bounty = action_bounty(service, caller, id, Action::BountyResolve).await?;
    let facts = service.store.settlement_facts(bounty.row.id).await?;
    bounty.require(
        bounty.row.outcome.as_deref() == Some("invalid")
            && facts.is_final(bounty.now)
            && !facts.creator_refunded,
        "bounty_not_refundable",
        "the reward goes back once an Invalid outcome (an expired bounty's, too) is final, once",
    )?;
    let call = relay::refund_creator_call(deployment(service).await?, bounty.chain_id);
    let key = call.key();
    let (to, calldata) = call.into_parts();
    queued(
        service,
        NewTransaction {
            kind: "refund_creator".to_owned(),
            bounty_id: Some(bounty.row.id),
            to,
            calldata,
            idempotency_key: key,
        },
    )
    .await
}
