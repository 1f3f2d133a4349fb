//! The notification service's wire types: the inbox (`GET /v1/notifications` and friends), the
//! preferences (`/v1/notifications/preferences`), followed files (`/v1/files/{sha256}/follow`),
//! the unsubscribe answer, and its one event, [`NoticeCreated`].
//!
//! [`NoticeCreated`] travels on [`EVENTS_STREAM`], which the gateway relays on the `user:{user_id}`
//! WebSocket topic (the stream is one of its user streams), so a new notice shows at once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::Event;

/// The stream of notifications for one user, relayed on the `user` topic.
pub const EVENTS_STREAM: &str = "nexus:notification:events:v1";

/// One notice in the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeView {
    /// The notice's id (UUIDv7).
    pub id: Uuid,
    /// The stable dotted kind (`analysis.completed`, `file.verdict_changed`, ...).
    pub kind: String,
    /// One line for people.
    pub title: String,
    /// A few sentences for people.
    pub body: String,
    /// Where in the dashboard to look, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// The machine-readable details (ids, verdicts, amounts as decimal strings).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When what it tells happened.
    pub occurred_at: DateTime<Utc>,
    /// When the user marked it read; absent while unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<DateTime<Utc>>,
}

/// `GET /v1/notifications`: one page, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticePage {
    /// The notices.
    pub notices: Vec<NoticeView>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /v1/notifications` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// Page size, 1–100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// `true`: unread notices only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread: Option<bool>,
}

/// `GET /v1/notifications/unread-count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UnreadCount {
    /// Unread notices in the caller's inbox.
    pub unread: u64,
}

/// `POST /v1/notifications/read-all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MarkedRead {
    /// How many notices this call marked read.
    pub marked: u64,
}

/// The channels and digest choice for one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindPreference {
    /// The kind (`bounty.resolved`, ...).
    pub kind: String,
    /// Shown in the inbox and on the WebSocket.
    pub in_app: bool,
    /// Mailed.
    pub email: bool,
    /// Sent to the user's webhook endpoints whose filter admits the kind.
    pub webhook: bool,
    /// E-mail in the daily digest instead of one mail per notice.
    pub digest: bool,
    /// Security kinds: in-app and e-mail cannot be turned off (read only).
    #[serde(default)]
    pub mandatory: bool,
}

/// What `bounty.opened` notices match: a bounty opened with one of these artifact kinds and at
/// least this reward. No kinds: no `bounty.opened` notices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BountyInterests {
    /// `file`, `url`, `contract`.
    #[serde(default)]
    pub artifact_kinds: Vec<String>,
    /// The smallest reward, wei (decimal string); absent: any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_reward: Option<String>,
}

/// `GET /v1/notifications/preferences` (every field present), and the body of `PUT`: kinds left
/// out keep their current choice, an absent `follow_uploads` or `interests` stays as it is
/// (`mandatory` is ignored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preferences {
    /// One entry per kind.
    #[serde(default)]
    pub kinds: Vec<KindPreference>,
    /// Follow every file the user uploads (verdict-changed notices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_uploads: Option<bool>,
    /// What bounty-opened notices match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interests: Option<BountyInterests>,
}

/// `GET|POST /v1/notifications/unsubscribe?token=`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnsubscribeQuery {
    /// The signed token from the e-mail's link.
    pub token: String,
}

/// What an unsubscribe link did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Unsubscribed {
    /// The kind whose e-mail is now off.
    pub kind: String,
}

/// A file the caller follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowView {
    /// The file.
    pub sha256: String,
    /// `explicit` (followed by hand) or `upload` (followed because the user uploaded it).
    pub via: String,
    /// Since when.
    pub followed_at: DateTime<Utc>,
    /// The last verdict the service knows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

/// A new notice was put in a user's inbox. Relayed by the gateway on `user:{user_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeCreated {
    /// The recipient (`user:{user_id}` topic).
    pub user_id: String,
    /// The notice as the inbox shows it.
    pub notice: NoticeView,
}

impl Event for NoticeCreated {
    const NAME: &'static str = "NoticeCreated";
    const VERSION: u32 = 1;
    const STREAM: &'static str = EVENTS_STREAM;
}
