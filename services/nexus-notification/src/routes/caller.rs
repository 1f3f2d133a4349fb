//! Who is asking: the signed-in caller's account id once the policies agree, for every handler.
//! No role or scope is checked by hand (docs/AUTHORIZATION.md, "The shared caller").

use nexus_policy::{Action, Resource};
use nexus_runtime::{Caller, Denied};
use uuid::Uuid;

use crate::error::NotificationError;

/// The caller's account id; `unauthenticated` (401) for a guest, `forbidden` when the subject
/// is not an account id (a service token).
fn account_of(caller: &Caller) -> Result<Uuid, NotificationError> {
    let claims = caller.require_signed_in()?;
    claims.sub.parse().map_err(|_| {
        NotificationError::Denied(Denied::Forbidden {
            action: Action::NotificationList,
        })
    })
}

/// The caller's own inbox (`notification:list` on the platform: every signed-in account, an API
/// key with that scope).
pub(crate) fn inbox_owner(caller: &Caller) -> Result<Uuid, NotificationError> {
    let user_id = account_of(caller)?;
    caller.authorize(Action::NotificationList, Resource::Platform)?;
    Ok(user_id)
}

/// The caller's own account for `action` (`user:read_private` to read its settings,
/// `user:update` to change them).
pub(crate) fn own_account(caller: &Caller, action: Action) -> Result<Uuid, NotificationError> {
    let user_id = account_of(caller)?;
    caller.authorize(
        action,
        Resource::UserAccount {
            id: user_id.to_string(),
        },
    )?;
    Ok(user_id)
}

/// `notification:update` on notice `id` of `recipient`: someone else's notice is the same 404 as
/// a missing one; a missing API-key scope is its own 403.
pub(crate) fn may_update(
    caller: &Caller,
    id: Uuid,
    recipient: Uuid,
) -> Result<(), NotificationError> {
    caller
        .authorize(
            Action::NotificationUpdate,
            Resource::Notification {
                id: id.to_string(),
                recipient: recipient.to_string(),
            },
        )
        .map_err(|denied| {
            if denied.hides_existence() {
                NotificationError::NoticeNotFound
            } else {
                denied.into()
            }
        })
}

/// A `{sha256}` path segment: 64 hex digits, lower-cased.
pub(crate) fn sha256_of(segment: &str) -> Result<String, NotificationError> {
    if segment.len() == 64 && segment.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        Ok(segment.to_ascii_lowercase())
    } else {
        Err(NotificationError::InvalidSha256)
    }
}
