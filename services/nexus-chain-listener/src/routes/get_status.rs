//! `GET /v1/chain/status`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::chain::ChainStatus;
use nexus_runtime::Caller;

use crate::ChainListenerService;
use crate::domain::follow::confirmed_height;
use crate::routes::{authorize_read, chain_id};

/// How far the listener has followed the chain: the node's head at the last poll, the confirmed
/// height (head minus the confirmation depth), the lag of the last block read behind the head in
/// blocks and seconds, why ingestion stopped if it did, and the last reorganisation that reached
/// stored blocks. Anyone may read it, guests included (`chain:read`).
#[utoipa::path(
    get,
    path = "/v1/chain/status",
    tag = "chain",
    responses(
        (status = 200, description = "The follower's position", body = ChainStatus),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "Refused by the policies (an API key whose scopes leave out chain:read)", body = ErrorBody),
        (status = 503, description = "The chain was never reached (`chain_unavailable`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_status(
    service: web::Data<ChainListenerService>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    authorize_read(&caller)?;
    let chain_id = chain_id(&service)?;
    let state = service.follower.state();
    let depth = service.settings.chain.confirmations;
    let last_reorg = service
        .store
        .last_reorg(chain_id)
        .await
        .map_err(crate::error::ChainListenerError::from)?;
    let lag_seconds = match (state.head_time, state.read_time) {
        (Some(head), Some(read)) => u64::try_from((head - read).num_seconds()).ok(),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(ChainStatus {
        chain_id,
        head: state.head,
        confirmed: state.head.and_then(|head| confirmed_height(head, depth)),
        confirmation_depth: depth,
        lag_blocks: state
            .head
            .zip(state.read_to)
            .map(|(head, read)| head.saturating_sub(read)),
        lag_seconds,
        polled_at: state.polled_at,
        halted: state.halted,
        last_reorg,
    }))
}
