//! `DELETE /v1/users/me/ws-keys/{key_id}`: revoke one of the caller's keys.

use actix_web::{HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::UserService;
use crate::routes::own_account::own_account;

/// 204, and `Ed25519KeyRevoked` is recorded; 404 `ws_key_not_found`.
#[utoipa::path(
    delete,
    path = "/v1/users/me/ws-keys/{key_id}",
    params(("key_id" = uuid::Uuid, Path, description = "The WebSocket key's id")),
    tag = "users",
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such key of the caller", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn revoke_ws_key(
    service: web::Data<UserService>,
    caller: Caller,
    context: RequestContext,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, nexus_policy::Action::UserUpdate)?;
    let traceparent = context.trace.to_string();
    service
        .store
        .revoke_ws_key(user_id, path.into_inner(), Some(&traceparent))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
