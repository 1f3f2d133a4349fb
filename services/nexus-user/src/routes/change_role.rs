//! `PUT /v1/users/{id}/role`: an admin sets another account's role.

use actix_web::web;
use nexus_core::Role;
use nexus_http::{ApiError, RequestContext};
use nexus_proto::user::{AccountSummary, ChangeRoleRequest};
use uuid::Uuid;

use crate::UserService;
use crate::error::UserError;
use crate::routes::Caller;

/// Admins only (role from the token); never on oneself; `user`, `analyst` or `admin`.
/// Records `UserRoleChanged` in the same transaction. 200 with the account summary.
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
