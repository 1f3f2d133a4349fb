//! `GET /v1/bounties/{id}`.

use actix_web::{HttpResponse, web};
use nexus_core::hex;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::bounty::{BountyAssertion, BountyTransaction, BountyView};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::routes::{readable_bounty, view_of};

/// One bounty: its terms, artifact, status, what the chain has confirmed so far (assertions,
/// verdicts once revealed, claims) and the chain calls relayed for it with their status and
/// hash. Needs
/// `bounty:read` (public bounties: anyone, guests included; others: their creator, analysts and
/// admins); any other is 404, like one that does not exist.
#[utoipa::path(
    get,
    path = "/v1/bounties/{id}",
    params(("id" = Uuid, Path, description = "The bounty id")),
    tag = "bounty",
    responses(
        (status = 200, description = "The bounty", body = BountyView),
        (status = 400, description = "The id is not a UUID (`invalid_path_parameter`)", body = ErrorBody),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "An API key without `bounty:read` (`scope_insufficient`)", body = ErrorBody),
        (status = 404, description = "No such bounty, or not one the caller may read (`bounty_not_found`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_bounty(
    service: web::Data<BountyService>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let row = readable_bounty(&service.store, &caller, path.into_inner()).await?;
    let mut view = view_of(&row)?;
    view.transactions = service
        .store
        .bounty_transactions(row.id)
        .await?
        .into_iter()
        .map(|job| BountyTransaction {
            id: job.id.0,
            kind: job.kind,
            status: job.status.as_str().to_owned(),
            tx_hash: job.tx_hash.map(|hash| hash.to_string()),
            block_number: job.block_number,
            attempts: job.attempts,
            last_error: job.last_error,
        })
        .collect();
    view.assertions = service
        .store
        .bounty_assertions(row.id)
        .await?
        .into_iter()
        .map(|assertion| BountyAssertion {
            analyst: format!("0x{}", hex::encode(&assertion.analyst)),
            stake: assertion.stake,
            verdict: assertion.verdict,
            claimed: assertion.claimed,
        })
        .collect();
    Ok(HttpResponse::Ok().json(view))
}
