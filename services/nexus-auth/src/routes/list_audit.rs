//! `GET /v1/audit`: the audit log, for administrators.

use actix_web::{HttpRequest, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::auth::AuditPage;

use crate::AuthService;
use crate::error::AuthError;
use crate::store::audit::AuditQuery;

/// Lists audit rows, newest first.
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "auth",
    responses(
        (status = 200, description = "Audit entries, newest first", body = AuditPage),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Not allowed (role, MFA or API-key token)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn list_audit(
    service: web::Data<AuthService>,
    request: HttpRequest,
    caller: Authenticated,
    params: web::Query<nexus_proto::auth::AuditQuery>,
) -> Result<web::Json<AuditPage>, ApiError> {
    service.authorize_admin(
        &caller.0,
        Action::AdminViewAudit,
        service.client_ip(&request),
    )?;
    let params = params.into_inner();
    let limit = params.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AuthError::field("limit", "must be 1 to 200").into());
    }
    for (field, value) in [("kind", &params.kind), ("subject", &params.subject)] {
        if value.as_ref().is_some_and(|value| value.len() > 256) {
            return Err(AuthError::field(field, "must be at most 256 bytes").into());
        }
    }
    let entries = service
        .store
        .list_audit(&AuditQuery {
            kind: params.kind,
            subject: params.subject,
            before: params.before,
            limit,
        })
        .await
        .map_err(AuthError::from)?;
    Ok(web::Json(AuditPage { entries }))
}
