//! `GET /v1/chain/parameters`.

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::chain::ChainParameters;
use nexus_runtime::Caller;

use crate::ChainListenerService;
use crate::error::ChainListenerError;
use crate::routes::{authorize_read, chain_id};

/// The governed parameters in force at the last block read (fee, quorum, windows, minimum
/// stakes, treasury, unstake cooldown, the Governor's settings and the timelock's delay), each
/// with the value before its last change. Names and units: `nexus_proto::chain::ParameterValue`.
/// Anyone may read them, guests included (`chain:read`).
#[utoipa::path(
    get,
    path = "/v1/chain/parameters",
    tag = "chain",
    responses(
        (status = 200, description = "The parameters in force", body = ChainParameters),
        (status = 401, description = "Invalid access token", body = ErrorBody),
        (status = 403, description = "Refused by the policies (an API key whose scopes leave out chain:read)", body = ErrorBody),
        (status = 503, description = "The chain was never reached (`chain_unavailable`)", body = ErrorBody)
    ),
    security((), ("bearer" = []))
)]
pub async fn get_parameters(
    service: web::Data<ChainListenerService>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    authorize_read(&caller)?;
    let chain_id = chain_id(&service)?;
    let parameters = service
        .store
        .parameters(chain_id)
        .await
        .map_err(ChainListenerError::from)?;
    Ok(HttpResponse::Ok().json(ChainParameters {
        chain_id,
        parameters,
    }))
}
