//! `GET|POST /v1/notifications/unsubscribe?token=`.

use actix_web::web;
use chrono::Utc;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::notification::{UnsubscribeQuery, Unsubscribed};
use secrecy::ExposeSecret;

use crate::NotificationService;
use crate::domain::preferences::PreferenceError;
use crate::domain::unsubscribe::verify;
use crate::error::NotificationError;

/// Turns off the e-mail of the kind the signed link names, without signing in (the link is the
/// credential: HMAC-signed, expiring, for one user and kind). `GET` so a mail client's click
/// works; `POST` for one-click unsubscribe (RFC 8058). Using it twice is harmless.
#[utoipa::path(
    get,
    path = "/v1/notifications/unsubscribe",
    params(UnsubscribeQuery),
    tag = "notifications",
    responses(
        (status = 200, description = "The kind's e-mail is off", body = Unsubscribed),
        (status = 400, description = "A token that is not valid (`unsubscribe_token_invalid`), or names a security kind (`notification_kind_mandatory`)", body = ErrorBody),
        (status = 410, description = "The link has expired (`unsubscribe_token_expired`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    )
)]
pub async fn unsubscribe(
    service: web::Data<NotificationService>,
    query: web::Query<UnsubscribeQuery>,
) -> Result<web::Json<Unsubscribed>, ApiError> {
    let secret = service
        .settings
        .unsubscribe_secret
        .expose_secret()
        .as_bytes();
    let claim = verify(secret, &query.token, Utc::now()).map_err(NotificationError::from)?;
    if claim.kind.is_mandatory() {
        return Err(
            NotificationError::from(PreferenceError::Mandatory(claim.kind.as_str())).into(),
        );
    }
    service
        .store
        .unsubscribe_email(claim.user_id, claim.kind)
        .await?;
    Ok(web::Json(Unsubscribed {
        kind: claim.kind.as_str().to_owned(),
    }))
}
