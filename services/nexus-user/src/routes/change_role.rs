//! `PUT /v1/users/{id}/role`: an admin sets another account's role.

use actix_web::web;
use nexus_core::{Role, UserId};
use nexus_http::{ApiError, RequestContext};
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::user::{AccountSummary, ChangeRoleRequest};
use nexus_runtime::Caller;
use nexus_runtime::revocation::RevocationReason;

use crate::UserService;
use crate::error::UserError;
use crate::revocations::announce;

/// Decided by Cedar (`user:change_role`: administrators, with a second factor, never on
/// themselves); `user`, `analyst` or `admin`. Records `UserRoleChanged` in the same transaction
/// and voids the account's tokens, which carry the old role. 200 with the account summary.
#[utoipa::path(
    put,
    path = "/v1/users/{id}/role",
    params(("id" = uuid::Uuid, Path, description = "The account's user id")),
    tag = "users",
    request_body = ChangeRoleRequest,
    responses(
        (status = 200, description = "Role changed", body = AccountSummary),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Administrators with a second factor only, never on oneself", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn change_role(
    service: web::Data<UserService>,
    caller: Caller,
    context: RequestContext,
    path: web::Path<UserId>,
    body: nexus_http::Json<ChangeRoleRequest>,
) -> Result<web::Json<AccountSummary>, ApiError> {
    let target = path.into_inner();
    caller
        .authorize(
            Action::UserChangeRole,
            Resource::UserAccount {
                id: target.to_string(),
            },
        )
        .map_err(UserError::from)?;
    let changed_by = caller
        .subject()
        .and_then(|subject| subject.parse::<UserId>().ok())
        .ok_or(UserError::InvalidSubject)?;
    let role: Role = body
        .role
        .trim()
        .parse()
        .map_err(|_| UserError::InvalidRole)?;
    if role == Role::Guest {
        return Err(UserError::InvalidRole.into());
    }
    let traceparent = context.trace.to_string();
    let previous = service.store.get(target).await?;
    let account = service
        .store
        .change_role(target, role, changed_by, Some(&traceparent))
        .await?;
    if previous.role != account.role
        && let Some(mark) = account.tokens_not_before
    {
        announce(&service.bus, target, mark, RevocationReason::RoleChanged).await;
    }
    tracing::info!(user_id = %target, role = %role, changed_by = %changed_by, "A role was changed.");
    Ok(web::Json(account.summary()))
}
