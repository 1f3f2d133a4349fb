//! The caller's own account, for the `/v1/users/me/...` handlers: the signed-in caller's id,
//! once the Cedar policies agreed that the caller may perform the action on that account.
//!
//! Every `me` handler asks here rather than checking roles or scopes by hand, so the policies
//! (e.g. `banned-read-only`: a banned account may read but not change) decide for all of them.

use nexus_core::UserId;
use nexus_http::ApiError;
use nexus_http::token::TokenError;
use nexus_policy::{Action, Resource};
use nexus_runtime::Caller;

use crate::error::UserError;

/// The signed-in caller's account id, after the policies agreed that the caller may perform
/// `action` (`user:read_private` for reads, `user:update` for changes; an API key needs that
/// scope) on that account. `token_missing` (401) without a token, `scope_insufficient` or
/// `forbidden` (403) when the policies refuse.
pub(crate) fn own_account(caller: &Caller, action: Action) -> Result<UserId, ApiError> {
    // A `me` route has no guest view: say what is missing (a token), as the token validator
    // does, rather than the policies' generic `unauthenticated`.
    let claims = caller.claims().ok_or(TokenError::Missing)?;
    let user_id: UserId = claims.sub.parse().map_err(|_| UserError::InvalidSubject)?;
    caller
        .authorize(
            action,
            Resource::UserAccount {
                id: user_id.to_string(),
            },
        )
        .map_err(UserError::from)?;
    Ok(user_id)
}
