//! `PUT /v1/users/{id}/role`: an admin sets another account's role.

use actix_web::web;
use nexus_core::Role;
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_proto::user::{AccountSummary, ChangeRoleRequest};
use uuid::Uuid;

use crate::UserService;
use crate::error::UserError;
use crate::routes::Caller;

/// Admins only (role from the token); never on oneself; `user`, `analyst` or `admin`.
/// Records `UserRoleChanged` in the same transaction. 200 with the account summary.
#[utoipa::path(
    put,
    path = "/v1/users/{id}/role",
    tag = "users",
    request_body = ChangeRoleRequest,
    responses(
        (status = 200, description = "Role changed", body = AccountSummary),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Admins only, never on oneself", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn change_role(
    service: web::Data<UserService>,
    caller: Caller,
    context: RequestContext,
    path: web::Path<Uuid>,
    body: web::Json<ChangeRoleRequest>,
) -> Result<web::Json<AccountSummary>, ApiError> {
    if !caller.is_admin() {
        return Err(UserError::AdminRequired.into());
    }
    let target = path.into_inner();
    if target == caller.user_id {
        return Err(UserError::CannotChangeOwnRole.into());
    }
    let role: Role = body
        .role
        .trim()
        .parse()
        .map_err(|_| UserError::InvalidRole)?;
    if role == Role::Guest {
        return Err(UserError::InvalidRole.into());
    }
    let traceparent = context.trace.to_string();
    let account = service
        .store
        .change_role(target, role.as_str(), caller.user_id, Some(&traceparent))
        .await?;
    tracing::info!(user_id = %target, role = %role, changed_by = %caller.user_id, "A role was changed.");
    Ok(web::Json(account.summary()))
}
