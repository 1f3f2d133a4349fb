//! A notice: one thing that happened, told to one user. Every source event becomes zero or more
//! notices (one per user it concerns); each notice then goes to the channels the user's
//! preferences choose (the in-app inbox, e-mail, webhooks). The channels share this one type, so
//! the inbox, the e-mail templates and the webhook payloads cannot disagree about what happened.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What kind of thing happened. [`NoticeKind::as_str`] is the stable name used in preferences,
/// webhook event-type filters and the webhook payload's `type` (e.g. `bounty.resolved`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// An analysis the user submitted finished.
    AnalysisCompleted,
    /// A bounty opened that matches the analyst's interests.
    BountyOpened,
    /// A commitment or reveal arrived on the user's bounty.
    BountyActivity,
    /// The user's bounty resolved (or was refunded).
    BountyResolved,
    /// A reward became claimable.
    RewardClaimable,
    /// A reward was claimed.
    RewardClaimed,
    /// Part of the user's stake was slashed.
    Slashed,
    /// The user's reputation changed.
    ReputationChanged,
    /// The user's trust level changed.
    TrustLevelChanged,
    /// Someone the user referred completed their referral.
    ReferralCompleted,
    /// A file the user follows changed verdict.
    VerdictChanged,
    /// An account security event (new sign-in address, API key created or revoked, MFA changed,
    /// account locked). Cannot be turned off.
    Security,
    /// A webhook endpoint of the user's was disabled after failing for days. Cannot be turned off.
    WebhookDisabled,
}

impl NoticeKind {
    /// Every kind, in a stable order.
    pub const ALL: [NoticeKind; 13] = [
        NoticeKind::AnalysisCompleted,
        NoticeKind::BountyOpened,
        NoticeKind::BountyActivity,
        NoticeKind::BountyResolved,
        NoticeKind::RewardClaimable,
        NoticeKind::RewardClaimed,
        NoticeKind::Slashed,
        NoticeKind::ReputationChanged,
        NoticeKind::TrustLevelChanged,
        NoticeKind::ReferralCompleted,
        NoticeKind::VerdictChanged,
        NoticeKind::Security,
        NoticeKind::WebhookDisabled,
    ];

    /// The stable dotted name (`analysis.completed`).
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::AnalysisCompleted => "analysis.completed",
            NoticeKind::BountyOpened => "bounty.opened",
            NoticeKind::BountyActivity => "bounty.activity",
            NoticeKind::BountyResolved => "bounty.resolved",
            NoticeKind::RewardClaimable => "reward.claimable",
            NoticeKind::RewardClaimed => "reward.claimed",
            NoticeKind::Slashed => "stake.slashed",
            NoticeKind::ReputationChanged => "reputation.changed",
            NoticeKind::TrustLevelChanged => "trust_level.changed",
            NoticeKind::ReferralCompleted => "referral.completed",
            NoticeKind::VerdictChanged => "file.verdict_changed",
            NoticeKind::Security => "account.security",
            NoticeKind::WebhookDisabled => "webhook.disabled",
        }
    }

    /// The kind named `name` ([`NoticeKind::as_str`]), if any.
    pub fn parse(name: &str) -> Option<NoticeKind> {
        NoticeKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// Security notices reach the user whatever their preferences say.
    pub fn is_mandatory(self) -> bool {
        matches!(self, NoticeKind::Security | NoticeKind::WebhookDisabled)
    }
}

/// Where a notice can go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The dashboard's inbox and the user's WebSocket topic.
    InApp,
    /// An e-mail (one per notice, or in the daily digest).
    Email,
    /// The user's enabled webhook endpoints whose filter admits the kind.
    Webhook,
}

/// One thing that happened, for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The notice's id (UUIDv7); also the Standard Webhooks `webhook-id` base, so every retry
    /// of its delivery carries the same id.
    pub id: Uuid,
    /// Whom it is for.
    pub user_id: Uuid,
    /// What happened.
    pub kind: NoticeKind,
    /// One line for people (the inbox row, the e-mail subject).
    pub title: String,
    /// A few sentences for people (the inbox detail, the e-mail body).
    pub body: String,
    /// Where in the dashboard to look (a path such as `/bounties/<id>`), if anywhere.
    pub link: Option<String>,
    /// The machine-readable details (ids, verdicts, amounts as decimal strings): the webhook
    /// payload's `data`.
    pub data: serde_json::Value,
    /// The source event's envelope id: one source event makes at most one notice per user.
    pub source_event: Uuid,
    /// When the source event happened.
    pub occurred_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.as_str()), Some(kind));
            assert!(names.insert(kind.as_str()), "{} twice", kind.as_str());
        }
        assert_eq!(NoticeKind::parse("bounty.nonsense"), None);
    }

    #[test]
    fn only_security_and_disabled_endpoint_notices_are_mandatory() {
        let mandatory: Vec<_> = NoticeKind::ALL
            .into_iter()
            .filter(|k| k.is_mandatory())
            .collect();
        assert_eq!(
            mandatory,
            vec![NoticeKind::Security, NoticeKind::WebhookDisabled]
        );
    }
}
