//! `PUT /v1/notifications/preferences`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::notification::{BountyInterests, Preferences};
use nexus_runtime::Caller;

use crate::NotificationService;
use crate::domain::preferences::{Choice, check_update, kind_named};
use crate::error::NotificationError;
use crate::routes::caller::own_account;
use crate::routes::get_preferences::preferences_of;
use crate::store::UserSettings;

/// Artifact kinds a bounty interest may name.
const ARTIFACT_KINDS: [&str; 3] = ["file", "url", "contract"];

/// Changes the caller's choices: the kinds listed (others keep theirs), and `follow_uploads` and
/// `interests` when present. All or nothing: one refused entry changes nothing. Security kinds
/// cannot lose the inbox or the mail (400 `notification_kind_mandatory`).
#[utoipa::path(
    put,
    path = "/v1/notifications/preferences",
    request_body = Preferences,
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The preferences now", body = Preferences),
        (status = 400, description = "A security kind turned off (`notification_kind_mandatory`), an unknown kind (`unknown_notification_kind`), interests that do not parse (`invalid_interests`), or a malformed body", body = ErrorBody),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:update` (`scope_insufficient`), a banned account (`forbidden`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn put_preferences(
    service: web::Data<NotificationService>,
    caller: Caller,
    body: nexus_http::Json<Preferences>,
) -> Result<web::Json<Preferences>, ApiError> {
    let user_id = own_account(&caller, Action::UserUpdate)?;
    let body = body.into_inner();
    let mut changes = Vec::with_capacity(body.kinds.len());
    for entry in &body.kinds {
        let kind = kind_named(&entry.kind).map_err(NotificationError::from)?;
        let choice = Choice {
            in_app: entry.in_app,
            email: entry.email,
            webhook: entry.webhook,
            digest: entry.digest,
        };
        check_update(kind, choice).map_err(NotificationError::from)?;
        changes.retain(|(k, _)| *k != kind);
        changes.push((kind, choice));
    }
    let mut settings = service.store.user_settings(user_id).await?;
    if let Some(follow_uploads) = body.follow_uploads {
        settings.follow_uploads = follow_uploads;
    }
    if let Some(interests) = body.interests {
        apply_interests(&mut settings, interests)?;
    }
    service
        .store
        .save_preferences(user_id, &changes, &settings)
        .await?;
    Ok(web::Json(preferences_of(&service, user_id).await?))
}

/// Checks and takes the new interests.
fn apply_interests(
    settings: &mut UserSettings,
    interests: BountyInterests,
) -> Result<(), NotificationError> {
    let mut kinds = Vec::new();
    for kind in interests.artifact_kinds {
        if !ARTIFACT_KINDS.contains(&kind.as_str()) {
            return Err(NotificationError::InvalidInterests(format!(
                "interests.artifact_kinds: {:?} is not one of file, url, contract",
                kind.chars().take(32).collect::<String>()
            )));
        }
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if let Some(reward) = &interests.min_reward
        && (reward.is_empty() || reward.len() > 39 || !reward.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(NotificationError::InvalidInterests(
            "interests.min_reward: must be a whole number of wei (decimal digits, at most 39)"
                .to_owned(),
        ));
    }
    settings.artifact_kinds = kinds;
    settings.min_reward = interests.min_reward;
    Ok(())
}
