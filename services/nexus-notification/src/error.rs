//! The notification service's one error enum: each variant has a stable code (docs/ERRORS.md) and
//! is mapped to HTTP once, here. Infrastructure failures keep the classification of the crate
//! they come from.

use actix_web::http::StatusCode;
use nexus_db::DbError;
use nexus_http::HttpError;
use nexus_runtime::{Denied, DependencyError};

use crate::domain::preferences::PreferenceError;
use crate::domain::unsubscribe::TokenError;

/// Everything that can go wrong in the notification service.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    /// No notice with this id in the caller's inbox (or it is someone else's: not told apart).
    #[error("no such notification in your inbox")]
    NoticeNotFound,
    /// The caller does not follow this file.
    #[error("you do not follow this file")]
    FollowNotFound,
    /// A query value out of its range.
    #[error("{0}")]
    InvalidQuery(String),
    /// An inbox cursor this list did not return.
    #[error("the cursor is not one this list returned: start again without it")]
    InvalidCursor,
    /// A preference change the rules refuse (a security kind turned off, an unknown kind).
    #[error(transparent)]
    Preference(#[from] PreferenceError),
    /// Bounty interests that do not parse (an unknown artifact kind, a reward that is not wei).
    #[error("{0}")]
    InvalidInterests(String),
    /// An unsubscribe link that is not valid or has expired.
    #[error(transparent)]
    Unsubscribe(#[from] TokenError),
    /// A `{sha256}` path segment that is not 64 hex digits.
    #[error("the sha256 must be 64 hex digits")]
    InvalidSha256,
    /// A webhook route's refusal (its own codes).
    #[error(transparent)]
    Webhook(#[from] crate::webhooks::error::WebhookError),
    /// The policies refused the caller.
    #[error(transparent)]
    Denied(#[from] Denied),
    /// A source event the service cannot use: the consumer dead-letters it.
    #[error("a malformed event: {0}")]
    Malformed(String),
    /// PostgreSQL failed; classified once for every service ([`DependencyError`]): unreachable
    /// is 503 `database_unavailable`, anything else 500 `internal_error`.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A broken invariant; the client sees an opaque 500, the log the message.
    #[error("{0}")]
    Internal(String),
}

impl HttpError for NotificationError {
    fn status(&self) -> StatusCode {
        match self {
            NotificationError::NoticeNotFound | NotificationError::FollowNotFound => {
                StatusCode::NOT_FOUND
            }
            NotificationError::InvalidQuery(_)
            | NotificationError::InvalidCursor
            | NotificationError::InvalidInterests(_)
            | NotificationError::InvalidSha256 => StatusCode::BAD_REQUEST,
            NotificationError::Preference(PreferenceError::Mandatory(_)) => StatusCode::BAD_REQUEST,
            NotificationError::Preference(PreferenceError::UnknownKind(_)) => {
                StatusCode::BAD_REQUEST
            }
            NotificationError::Unsubscribe(TokenError::Invalid) => StatusCode::BAD_REQUEST,
            NotificationError::Unsubscribe(TokenError::Expired) => StatusCode::GONE,
            NotificationError::Webhook(error) => error.status(),
            NotificationError::Denied(denied) => denied.status(),
            NotificationError::Db(error) => error.classify().status,
            NotificationError::Malformed(_) | NotificationError::Internal(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            NotificationError::NoticeNotFound => "notification_not_found",
            NotificationError::FollowNotFound => "follow_not_found",
            NotificationError::InvalidQuery(_) => "invalid_query",
            NotificationError::InvalidCursor => "invalid_cursor",
            NotificationError::Preference(PreferenceError::Mandatory(_)) => {
                "notification_kind_mandatory"
            }
            NotificationError::Preference(PreferenceError::UnknownKind(_)) => {
                "unknown_notification_kind"
            }
            NotificationError::InvalidInterests(_) => "invalid_interests",
            NotificationError::Unsubscribe(TokenError::Invalid) => "unsubscribe_token_invalid",
            NotificationError::Unsubscribe(TokenError::Expired) => "unsubscribe_token_expired",
            NotificationError::InvalidSha256 => "invalid_sha256",
            NotificationError::Webhook(error) => error.code(),
            NotificationError::Denied(denied) => denied.code(),
            NotificationError::Db(error) => error.classify().code,
            NotificationError::Malformed(_) | NotificationError::Internal(_) => "internal_error",
        }
    }
}
