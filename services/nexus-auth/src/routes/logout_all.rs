//! `POST /v1/auth/logout-all`: signs the caller out everywhere.

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::token::Authenticated;
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use serde_json::json;

use crate::AuthService;
use crate::access::{require_interactive, user_id};
use crate::error::AuthError;
use crate::store::audit::{AuditKind, AuditRecord};

/// Voids every access token, refresh token and session of the caller's account issued before
/// now (the account's revocation mark, kept by nexus-user): every gateway refuses them within
/// seconds and refreshing them fails. 204; sign in again to continue.
#[utoipa::path(
    post,
    path = "/v1/auth/logout-all",
    tag = "auth",
    responses(
        (status = 204, description = "Every session of the account has ended"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "API-key tokens may not (`api_key_not_allowed`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn logout_all(
    service: web::Data<AuthService>,
    request: HttpRequest,
    context: RequestContext,
    caller: Authenticated,
) -> Result<HttpResponse, ApiError> {
    require_interactive(&caller.0)?;
    let user_id = user_id(&caller.0)?;
    let call = nexus_runtime::call_context(&context);
    let mark = service.users.revoke_tokens(&call, user_id).await?;
    let ip = service.client_ip(&request).map(|ip| ip.to_string());
    service
        .store
        .audit(
            &AuditRecord::new(AuditKind::LoggedOutEverywhere)
                .actor(user_id.to_string())
                .subject(user_id.to_string())
                .ip(ip)
                .detail(json!({ "tokens_not_before": mark })),
        )
        .await
        .map_err(AuthError::from)?;
    Ok(HttpResponse::NoContent().finish())
}
