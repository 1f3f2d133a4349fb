//! `DELETE /v1/api-keys/{key_id}`: revokes one of the caller's keys.

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_proto::ErrorBody;
use uuid::Uuid;

use crate::AuthService;
use crate::access::{require_interactive, user_id};
use crate::error::AuthError;
use crate::store::audit::{AuditKind, AuditRecord};

/// Revokes the key; it stops introspecting as active at once.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{key_id}",
    tag = "auth",
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "No such key of the caller", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn revoke_api_key(
    service: web::Data<AuthService>,
    request: HttpRequest,
    caller: Authenticated,
    key_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    require_interactive(&caller.0)?;
    let user_id = user_id(&caller.0)?;
    let key_id = key_id.into_inner();
    let ip = service.client_ip(&request).map(|ip| ip.to_string());
    let audit = AuditRecord::new(AuditKind::ApiKeyRevoked)
        .actor(user_id.to_string())
        .subject(key_id.to_string())
        .ip(ip);
    if !service
        .store
        .revoke_api_key(user_id, key_id, &audit)
        .await
        .map_err(AuthError::from)?
    {
        return Err(AuthError::ApiKeyNotFound.into());
    }
    Ok(HttpResponse::NoContent().finish())
}
