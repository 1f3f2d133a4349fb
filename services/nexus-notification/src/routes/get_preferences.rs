//! `GET /v1/notifications/preferences`.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::notification::{BountyInterests, KindPreference, Preferences};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::NotificationService;
use crate::domain::notice::NoticeKind;
use crate::domain::preferences::effective;
use crate::error::NotificationError;
use crate::routes::caller::own_account;

/// The caller's choice for every kind (the default where they never chose; security kinds as
/// they are enforced), whether they follow their uploads, and their bounty interests.
#[utoipa::path(
    get,
    path = "/v1/notifications/preferences",
    tag = "notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The preferences", body = Preferences),
        (status = 401, description = "No access token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "An API key without `user:read_private` (`scope_insufficient`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn get_preferences(
    service: web::Data<NotificationService>,
    caller: Caller,
) -> Result<web::Json<Preferences>, ApiError> {
    let user_id = own_account(&caller, Action::UserReadPrivate)?;
    Ok(web::Json(preferences_of(&service, user_id).await?))
}

/// Everything `GET` answers, for `user_id`.
pub(crate) async fn preferences_of(
    service: &NotificationService,
    user_id: Uuid,
) -> Result<Preferences, NotificationError> {
    let stored = service.store.choices(user_id).await?;
    let settings = service.store.user_settings(user_id).await?;
    let kinds = NoticeKind::ALL
        .into_iter()
        .map(|kind| {
            let choice = stored
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, choice)| *choice);
            let choice = effective(kind, choice);
            KindPreference {
                kind: kind.as_str().to_owned(),
                in_app: choice.in_app,
                email: choice.email,
                webhook: choice.webhook,
                digest: choice.digest,
                mandatory: kind.is_mandatory(),
            }
        })
        .collect();
    Ok(Preferences {
        kinds,
        follow_uploads: Some(settings.follow_uploads),
        interests: Some(BountyInterests {
            artifact_kinds: settings.artifact_kinds,
            min_reward: settings.min_reward,
        }),
    })
}
