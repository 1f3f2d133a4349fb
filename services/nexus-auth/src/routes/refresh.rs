//! `POST /v1/auth/refresh`: trades a refresh token for a new pair (the old one is used up).

use actix_web::{HttpRequest, web};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_proto::auth::{RefreshRequest, TokenPair};
use serde_json::json;

use super::{MAX_TOKEN_CHARS, check_text};
use crate::AuthService;
use crate::error::AuthError;
use crate::kv::refresh::Rotation;
use crate::store::audit::{AuditKind, AuditRecord};
use crate::tokens::SessionAccount;
use crate::users::AccountStanding;

/// Rotates a refresh token. Presenting a used one revokes its whole family.
#[utoipa::path(
    post,
    path = "/v1/auth/refresh",
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new pair; the presented token is used up", body = TokenPair),
        (status = 401, description = "Invalid token, or a reused one (its whole family is revoked)", body = ErrorBody)
    )
)]
pub async fn refresh(
    service: web::Data<AuthService>,
    request: HttpRequest,
    context: RequestContext,
    body: nexus_http::Json<RefreshRequest>,
) -> Result<web::Json<TokenPair>, ApiError> {
    let token = body.into_inner().refresh_token;
    check_text("refresh_token", &token, MAX_TOKEN_CHARS)?;
    let ip = service.client_ip(&request).map(|ip| ip.to_string());

    // The account is checked before the token is used up, so a failed lookup (user service
    // down) leaves the token valid for a retry.
    let account = match service
        .refresh
        .peek(&token)
        .await
        .map_err(AuthError::from)?
    {
        Some(record) => {
            let call = nexus_runtime::call_context(&context);
            match service.users.get(&call, record.user_id).await? {
                // A family started before the account's revocation mark (password change,
                // sign-out everywhere, role or status change) ends here.
                Some(account) if account.revoked_since(record.started_ms) => {
                    service
                        .refresh
                        .revoke_family(record.family)
                        .await
                        .map_err(AuthError::from)?;
                    service.metrics.refresh("revoked");
                    return Err(AuthError::RefreshTokenInvalid.into());
                }
                Some(account) if account.is_active() => Some(account),
                _ => {
                    service
                        .refresh
                        .revoke_family(record.family)
                        .await
                        .map_err(AuthError::from)?;
                    return Err(AuthError::AccountDisabled.into());
                }
            }
        }
        None => None,
    };

    match service
        .refresh
        .rotate(&token)
        .await
        .map_err(AuthError::from)?
    {
        Rotation::Rotated { record, token } => {
            let Some(account) = account.filter(|account| account.user_id == record.user_id) else {
                service
                    .refresh
                    .revoke_family(record.family)
                    .await
                    .map_err(AuthError::from)?;
                return Err(AuthError::RefreshTokenInvalid.into());
            };
            service.metrics.refresh("rotated");
            // Roles and status are read now, so a refreshed token carries the current ones.
            let session = SessionAccount {
                user_id: record.user_id,
                roles: &account.roles,
                status: account.token_status(),
            };
            Ok(web::Json(service.pair(&session, &record.amr, token)?))
        }
        Rotation::Reused { family, user_id } => {
            tracing::warn!(user_id = %user_id, family = %family, "A used refresh token was presented again; revoked its family.");
            service.metrics.refresh("reused");
            service
                .store
                .audit(
                    &AuditRecord::new(AuditKind::RefreshTokenReused)
                        .actor("system")
                        .subject(user_id.to_string())
                        .ip(ip)
                        .detail(json!({ "family": family })),
                )
                .await
                .map_err(AuthError::from)?;
            Err(AuthError::RefreshTokenReused.into())
        }
        Rotation::Revoked | Rotation::Unknown => {
            service.metrics.refresh("invalid");
            Err(AuthError::RefreshTokenInvalid.into())
        }
    }
}
