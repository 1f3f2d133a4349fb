//! `POST /v1/auth/logout`: ends the session family of a refresh token.

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::ApiError;
use nexus_proto::auth::RefreshRequest;
use serde_json::json;

use super::{MAX_TOKEN_CHARS, check_text};
use crate::AuthService;
use crate::error::AuthError;
use crate::store::audit::{AuditKind, AuditRecord};

/// Revokes the refresh token's family; 204 whether or not it was still valid (logging out
/// twice is not an error). Access tokens already issued run until their short expiry.
#[utoipa::path(
    post,
    path = "/v1/auth/logout",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 204, description = "The token's family is revoked")
    )
)]
pub async fn logout(
    service: web::Data<AuthService>,
    request: HttpRequest,
    body: nexus_http::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().refresh_token;
    check_text("refresh_token", &token, MAX_TOKEN_CHARS)?;
    if let Some(record) = service
        .refresh
        .peek(&token)
        .await
        .map_err(AuthError::from)?
    {
        service
            .refresh
            .revoke_family(record.family)
            .await
            .map_err(AuthError::from)?;
        let ip = service.client_ip(&request).map(|ip| ip.to_string());
        service
            .store
            .audit(
                &AuditRecord::new(AuditKind::LoggedOut)
                    .actor(record.user_id.to_string())
                    .subject(record.user_id.to_string())
                    .ip(ip)
                    .detail(json!({ "family": record.family })),
            )
            .await
            .map_err(AuthError::from)?;
    }
    Ok(HttpResponse::NoContent().finish())
}
