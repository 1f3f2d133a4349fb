//! `DELETE /v1/api-keys/{key_id}`: revokes one of the caller's keys.

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_runtime::revocation::Revoked;
use uuid::Uuid;

use crate::AuthService;
use crate::error::AuthError;
use crate::store::audit::{AuditKind, AuditRecord};

/// Revokes the key; it stops introspecting as active at once, and every gateway refuses the
/// tokens minted for it within seconds.
#[utoipa::path(
    delete,
    path = "/v1/api-keys/{key_id}",
    params(("key_id" = uuid::Uuid, Path, description = "The API key's id (`key_id` in the listing)")),
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
    let user_id = service.own_account(&caller.0, Action::UserUpdate)?;
    let key_id = key_id.into_inner();
    let ip = service.client_ip(&request).map(|ip| ip.to_string());
    let audit = AuditRecord::new(AuditKind::ApiKeyRevoked)
        .actor(user_id.to_string())
        .subject(key_id.to_string())
        .ip(ip);
    let Some(revoked_at) = service
        .store
        .revoke_api_key(user_id, key_id, &audit)
        .await
        .map_err(AuthError::from)?
    else {
        return Err(AuthError::ApiKeyNotFound.into());
    };
    // Committed: announce it, so every gateway drops the key's cached introspection and the
    // tokens minted for it within seconds (the reconcile loop retries a failed announcement).
    service
        .announce(&Revoked::ApiKey {
            key_id: key_id.to_string(),
            user_id: user_id.to_string(),
            revoked_at_ms: u64::try_from(revoked_at.timestamp_millis()).unwrap_or(0),
        })
        .await;
    Ok(HttpResponse::NoContent().finish())
}
