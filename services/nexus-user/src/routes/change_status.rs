//! `PUT /v1/users/{id}/status`: an administrator activates, bans or disables an account.

use actix_web::web;
use nexus_core::{AccountStatus, UserId};
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::user::{AccountSummary, ChangeStatusRequest};
use nexus_runtime::Caller;
use nexus_runtime::revocation::RevocationReason;

use crate::UserService;
use crate::error::UserError;
use crate::revocations::announce;

/// Decided by Cedar as a privilege change (`user:change_role` on the account: administrators,
/// with a second factor, never on themselves). A change voids every token and session of the
/// account within seconds: `disabled` accounts get no new token, `banned` ones sign in read-only.
#[utoipa::path(
    put,
    path = "/v1/users/{id}/status",
    params(("id" = uuid::Uuid, Path, description = "The account's user id")),
    tag = "users",
    request_body = ChangeStatusRequest,
    responses(
        (status = 200, description = "Status set", body = AccountSummary),
        (status = 400, description = "Not active, banned or disabled (`invalid_status`)", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Administrators with a second factor only, never on oneself", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn change_status(
    service: web::Data<UserService>,
    caller: Caller,
    path: web::Path<UserId>,
    body: nexus_http::Json<ChangeStatusRequest>,
) -> Result<web::Json<AccountSummary>, ApiError> {
    let status = body.status.trim().to_ascii_lowercase();
    set_status(&service, &caller, path.into_inner(), &status).await
}

/// `POST /v1/users/{id}/disable`, `/enable`, `/ban`, `/unban`: the same as `PUT .../status`
/// with `disabled`, `active`, `banned`, `active` (an optional JSON body, e.g. a reason, is
/// ignored). Same authorization.
pub async fn status_action(
    service: web::Data<UserService>,
    caller: Caller,
    path: web::Path<(UserId, String)>,
) -> Result<web::Json<AccountSummary>, ApiError> {
    let (target, verb) = path.into_inner();
    let status = match verb.as_str() {
        "disable" => AccountStatus::Disabled.as_str(),
        "enable" | "unban" => AccountStatus::Active.as_str(),
        "ban" => AccountStatus::Banned.as_str(),
        _ => return Err(UserError::InvalidStatus.into()),
    };
    set_status(&service, &caller, target, status).await
}

async fn set_status(
    service: &UserService,
    caller: &Caller,
    target: UserId,
    status: &str,
) -> Result<web::Json<AccountSummary>, ApiError> {
    caller
        .authorize(
            Action::UserChangeRole,
            Resource::UserAccount {
                id: target.to_string(),
            },
        )
        .map_err(UserError::from)?;
    // Checked only once the caller may change statuses at all: a refusal says nothing else.
    let status: AccountStatus = status.parse().map_err(|_| UserError::InvalidStatus)?;
    let previous = service.store.get(target).await?;
    let account = service.store.set_status(target, status).await?;
    if previous.status != account.status
        && let Some(mark) = account.tokens_not_before
    {
        let reason = if status == AccountStatus::Disabled {
            RevocationReason::AccountDisabled
        } else {
            RevocationReason::StatusChanged
        };
        announce(&service.bus, target, mark, reason).await;
    }
    tracing::info!(user_id = %target, status = %status, changed_by = ?caller.subject(), "An account status was set.");
    Ok(web::Json(account.summary()))
}
