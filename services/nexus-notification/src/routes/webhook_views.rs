//! The webhook routes' request and response bodies (their OpenAPI schemas), and the checks the
//! create and update routes share.

use chrono::{DateTime, Utc};
use nexus_fetch::Fetcher;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::NotificationService;
use crate::domain::notice::NoticeKind;
use crate::error::NotificationError;
use crate::store::webhooks::{AttemptRow, EndpointRow};
use crate::webhooks::error::WebhookError;
use crate::webhooks::payload::webhook_id;

/// Longest endpoint URL, characters.
const MAX_URL: usize = 2048;
/// Longest description, characters.
const MAX_DESCRIPTION: usize = 512;

/// An endpoint as its owner sees it; the secret is shown only at creation and rotation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookEndpointView {
    /// Its id.
    pub id: Uuid,
    /// Where messages are POSTed.
    pub url: String,
    /// The owner's note.
    pub description: String,
    /// Kinds delivered (`bounty.resolved`, ...); empty: every kind.
    pub event_types: Vec<String>,
    /// Whether messages are delivered.
    pub enabled: bool,
    /// `failing` when the service disabled it after days of failures.
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed, if they do.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the previous secret still signs beside the current one.
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<EndpointRow> for WebhookEndpointView {
    fn from(row: EndpointRow) -> Self {
        Self {
            id: row.id,
            url: row.url,
            description: row.description,
            event_types: row.event_types,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason,
            failing_since: row.failing_since,
            previous_secret_until: row.previous_secret_until,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new endpoint and its secret (shown this once).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookEndpointCreated {
    /// The endpoint.
    pub endpoint: WebhookEndpointView,
    /// Its signing secret, `whsec_...`: store it now, it is not shown again.
    pub secret: String,
}

/// `POST /v1/webhooks/endpoints`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookEndpoint {
    /// A public `https://` (or `http://`) URL on port 443 or 80.
    pub url: String,
    /// A note (at most 512 characters).
    #[serde(default)]
    pub description: String,
    /// Kinds to deliver; empty or absent: every kind.
    #[serde(default)]
    pub event_types: Vec<String>,
}

/// `PATCH /v1/webhooks/endpoints/{id}`: absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookEndpoint {
    /// A new URL (checked like at creation).
    pub url: Option<String>,
    /// A new note.
    pub description: Option<String>,
    /// A new filter.
    pub event_types: Option<Vec<String>>,
    /// Enable (also after the service disabled it) or disable.
    pub enabled: Option<bool>,
}

/// A page of endpoints.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookEndpointPage {
    /// The endpoints.
    pub items: Vec<WebhookEndpointView>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// A rotated secret.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RotatedWebhookSecret {
    /// The new secret, `whsec_...` (shown this once); it signs from now on.
    pub secret: String,
    /// The previous secret signs beside it until then.
    pub previous_secret_until: DateTime<Utc>,
}

/// One attempt in an endpoint's delivery log.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookDeliveryView {
    /// The attempt's id.
    pub id: i64,
    /// The message (replay it with `POST /v1/webhooks/messages/{message_id}/replay`).
    pub message_id: Uuid,
    /// The `webhook-id` it carried.
    pub webhook_id: String,
    /// The kind.
    pub event_type: String,
    /// Attempt number in its cycle (1 = first; a replay starts again at 1).
    pub attempt: i32,
    /// When.
    pub attempted_at: DateTime<Utc>,
    /// Whether the endpoint answered 2xx.
    pub delivered: bool,
    /// The HTTP status, if an answer came.
    pub status_code: Option<i32>,
    /// Why it failed (`status_not_2xx`, or the fetcher's code: `timed_out`, `connect_failed`,
    /// `destination_forbidden`, ...).
    pub error_code: Option<String>,
    /// Milliseconds until the answer or the failure.
    pub latency_ms: i32,
    /// The answer's first KiB.
    pub response_excerpt: String,
}

impl From<AttemptRow> for WebhookDeliveryView {
    fn from(row: AttemptRow) -> Self {
        Self {
            id: row.id,
            message_id: row.message_id,
            webhook_id: webhook_id(row.notice_id),
            event_type: row.event_type,
            attempt: row.attempt,
            attempted_at: row.attempted_at,
            delivered: row.delivered,
            status_code: row.status_code,
            error_code: row.error_code,
            latency_ms: row.latency_ms,
            response_excerpt: row.response_excerpt,
        }
    }
}

/// A page of attempts, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookDeliveryPage {
    /// The attempts.
    pub items: Vec<WebhookDeliveryView>,
    /// Pass as `cursor` for the next (older) page; absent on the last.
    pub next_cursor: Option<String>,
}

/// `?cursor=&limit=` of the webhook lists.
#[derive(Debug, Deserialize, IntoParams)]
pub struct WebhookPageQuery {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<u32>,
}

impl WebhookPageQuery {
    /// The limit, checked.
    pub fn limit(&self) -> Result<i64, NotificationError> {
        let limit = self.limit.unwrap_or(20);
        if (1..=100).contains(&limit) {
            Ok(i64::from(limit))
        } else {
            Err(NotificationError::InvalidQuery(
                "limit must be 1–100".to_owned(),
            ))
        }
    }
}

/// A URL the fetcher accepts now (scheme, port, every resolved address): the same rules the
/// delivery worker applies again at send time.
pub(crate) async fn checked_url(
    service: &NotificationService,
    text: &str,
) -> Result<String, NotificationError> {
    if text.len() > MAX_URL {
        return Err(
            WebhookError::Invalid(format!("the url is longer than {MAX_URL} characters")).into(),
        );
    }
    let url = url::Url::parse(text)
        .map_err(|error| WebhookError::Invalid(format!("the url does not parse: {error}")))?;
    let policy = service
        .settings
        .webhooks
        .fetch_policy()
        .map_err(NotificationError::Internal)?;
    let fetcher = Fetcher::new(policy)
        .map_err(|error| NotificationError::Internal(format!("the webhook fetcher: {error}")))?;
    fetcher
        .check_url(&url)
        .await
        .map_err(|error| WebhookError::UrlRefused {
            code: error.code(),
            reason: error.to_string(),
        })?;
    Ok(url.to_string())
}

/// A description within its length.
pub(crate) fn checked_description(text: &str) -> Result<(), NotificationError> {
    if text.chars().count() > MAX_DESCRIPTION {
        return Err(WebhookError::Invalid(format!(
            "the description is longer than {MAX_DESCRIPTION} characters"
        ))
        .into());
    }
    Ok(())
}

/// Event types that are all kind names, deduplicated in [`NoticeKind::ALL`] order.
pub(crate) fn checked_event_types(names: &[String]) -> Result<Vec<String>, NotificationError> {
    for name in names {
        if NoticeKind::parse(name).is_none() {
            return Err(WebhookError::Invalid(format!(
                "{name:?} is not a notification kind (e.g. bounty.resolved, analysis.completed)"
            ))
            .into());
        }
    }
    Ok(NoticeKind::ALL
        .into_iter()
        .map(NoticeKind::as_str)
        .filter(|kind| names.iter().any(|name| name == kind))
        .map(str::to_owned)
        .collect())
}

/// A path id.
pub(crate) fn path_id(segment: &str, missing: WebhookError) -> Result<Uuid, NotificationError> {
    segment.parse().map_err(|_| missing.into())
}
