//! What the notification service consumes: one consumer per source stream, each turning an
//! envelope into a [`Plan`] (pure: [`plan_analysis`], [`plan_bounty`], [`plan_reputation`],
//! [`plan_security`], [`plan_referral`]) and
//! applying it with [`Store::apply`](crate::store::Store::apply), which records the envelope id in
//! the inbox in the same transaction as every notice it makes, so a redelivery changes nothing.
//!
//! | event | stream | group | effect |
//! |---|---|---|---|
//! | `AnalysisCompleted` | `nexus:analysis:events:v1` | `notification-analysis` | `analysis.completed` to the submitter; the file followed if they follow their uploads; its verdict compared with the last one: `file.verdict_changed` to every follower when it differs |
//! | `BountyUpdated` | `nexus:bounty:events:v1` | `notification-bounty` | `bounty.activity` (commitment, reveal) or `bounty.resolved` to the creator; `bounty.opened` to analysts whose interests match; a resolved or decided file bounty's outcome compared like a verdict |
//! | `EarningsChanged` | same | same | `reward.claimable`, `reward.claimed` or `stake.slashed` to the account |
//! | `ReputationChanged`, `TrustLevelChanged` | `nexus:reputation:events:v1` | `notification-reputation` | `reputation.changed`, `trust_level.changed` to the account |
//! | `AccountSecurityEvent` | `nexus:auth:events:v1` | `notification-security` | `account.security` (mandatory) to the account: new sign-in address, API key created/revoked, TOTP enrolled/removed, lockout |
//! | `ReferralCompleted` | `nexus:user:referrals:v1` | `notification-referrals` | `referral.completed` to the referrer |
//!
//! Other events of these streams are acknowledged and skipped. An envelope whose payload does not
//! decode is dead-lettered (permanent); a database failure is retried.

use std::sync::Arc;

use chrono::Utc;
use nexus_bus::{Delivery, HandlerError, RawHandler};
use nexus_proto::Event;
use nexus_proto::analysis::AnalysisCompleted;
use nexus_proto::auth::AccountSecurityEvent;
use nexus_proto::bounty::BountyUpdated;
use nexus_proto::bounty_me::EarningsChanged;
use nexus_proto::event::RawEnvelope;
use nexus_proto::reputation::{ReputationChanged, TrustLevelChanged};
use nexus_proto::user::ReferralCompleted;
use uuid::Uuid;

use crate::NotificationService;
use crate::domain::sources;
use crate::error::NotificationError;
use crate::store::{Audience, Plan};

/// Turns an envelope into what it does; `None` for events the consumer skips.
pub type Planner = fn(RawEnvelope) -> Result<Option<Plan>, NotificationError>;

/// One source stream's consumer.
#[derive(Clone)]
pub struct SourceEvents {
    /// The service (store and metrics).
    pub service: Arc<NotificationService>,
    /// The stream, for metrics.
    pub stream: &'static str,
    /// The consumer group, also the inbox's consumer name.
    pub group: &'static str,
    /// What an envelope does.
    pub planner: Planner,
}

impl std::fmt::Debug for SourceEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceEvents")
            .field("stream", &self.stream)
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

/// The consumers: `(stream, group, planner)`.
pub const CONSUMERS: [(&str, &str, Planner); 5] = [
    (
        AnalysisCompleted::STREAM,
        "notification-analysis",
        plan_analysis,
    ),
    (
        nexus_proto::bounty::EVENTS_STREAM,
        "notification-bounty",
        plan_bounty,
    ),
    (
        nexus_proto::reputation::EVENTS_STREAM,
        "notification-reputation",
        plan_reputation,
    ),
    (
        AccountSecurityEvent::STREAM,
        "notification-security",
        plan_security,
    ),
    (
        nexus_proto::user::REFERRALS_STREAM,
        "notification-referrals",
        plan_referral,
    ),
];

impl RawHandler for SourceEvents {
    async fn handle_raw(
        &self,
        envelope: RawEnvelope,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let metrics = &self.service.metrics;
        let (id, occurred_at) = (envelope.id, envelope.occurred_at);
        let plan = match (self.planner)(envelope) {
            Ok(Some(plan)) => plan,
            Ok(None) => {
                metrics.source_event(self.stream, "skipped");
                return Ok(());
            }
            Err(error) => {
                metrics.source_event(self.stream, "malformed");
                return Err(HandlerError::permanent(error));
            }
        };
        let delivered = self
            .service
            .store
            .apply(self.group, id, occurred_at, &plan)
            .await
            .map_err(|error| {
                metrics.source_event(self.stream, "failed");
                HandlerError::retryable(error)
            })?;
        let age = (Utc::now() - occurred_at).num_milliseconds() as f64 / 1000.0;
        metrics.lag(self.stream, age);
        if delivered.duplicate {
            metrics.source_event(self.stream, "duplicate");
            return Ok(());
        }
        metrics.source_event(self.stream, "applied");
        for (kind, channel, count) in &delivered.counts {
            let channel = match channel {
                crate::domain::notice::Channel::InApp => "in_app",
                crate::domain::notice::Channel::Email => "email",
                crate::domain::notice::Channel::Webhook => "webhook",
            };
            metrics.notices(kind.as_str(), channel, *count);
        }
        Ok(())
    }
}

fn malformed(error: impl std::fmt::Display) -> NotificationError {
    NotificationError::Malformed(error.to_string())
}

/// An account id from an event (`user_id`, `submitted_by`): `None` when it is not one (a
/// service's subject), which tells nobody.
fn account(id: &str) -> Option<Uuid> {
    id.parse().ok()
}

/// `AnalysisCompleted`: the submitter's notice, the upload follow, the file's verdict.
pub fn plan_analysis(envelope: RawEnvelope) -> Result<Option<Plan>, NotificationError> {
    if envelope.name != AnalysisCompleted::NAME {
        return Ok(None);
    }
    let event = envelope
        .decode::<AnalysisCompleted>()
        .map_err(malformed)?
        .payload;
    let submitter = account(&event.submitted_by);
    let mut plan = Plan {
        verdict: sources::analysis_verdict(&event),
        ..Plan::default()
    };
    if let Some(user_id) = submitter {
        plan.notices.push((
            sources::analysis_completed(&event),
            Audience::Users(vec![user_id]),
        ));
        plan.upload = Some((user_id, event.sha256.to_string()));
    }
    Ok(Some(plan))
}

/// `BountyUpdated` and `EarningsChanged`.
pub fn plan_bounty(envelope: RawEnvelope) -> Result<Option<Plan>, NotificationError> {
    if envelope.name == EarningsChanged::NAME {
        let event = envelope
            .decode::<EarningsChanged>()
            .map_err(malformed)?
            .payload;
        let (Some(user_id), Some(draft)) =
            (account(&event.user_id), sources::earnings_changed(&event))
        else {
            return Ok(None);
        };
        return Ok(Some(Plan {
            notices: vec![(draft, Audience::Users(vec![user_id]))],
            ..Plan::default()
        }));
    }
    if envelope.name != BountyUpdated::NAME {
        return Ok(None);
    }
    let event = envelope
        .decode::<BountyUpdated>()
        .map_err(malformed)?
        .payload;
    let mut plan = Plan {
        verdict: sources::bounty_verdict(&event),
        ..Plan::default()
    };
    if let (Some(creator), Some(draft)) = (
        event.creator_id.as_deref().and_then(account),
        sources::bounty_activity(&event),
    ) {
        plan.notices.push((draft, Audience::Users(vec![creator])));
    }
    if let Some(draft) = sources::bounty_opened(&event) {
        plan.notices.push((
            draft,
            Audience::Interested {
                artifact_kind: sources::artifact_kind_name(&event),
                reward: event.reward.clone(),
            },
        ));
    }
    if plan.notices.is_empty() && plan.verdict.is_none() {
        return Ok(None);
    }
    Ok(Some(plan))
}

/// `ReputationChanged` and `TrustLevelChanged`.
pub fn plan_reputation(envelope: RawEnvelope) -> Result<Option<Plan>, NotificationError> {
    let (user, draft) = if envelope.name == ReputationChanged::NAME {
        let event = envelope
            .decode::<ReputationChanged>()
            .map_err(malformed)?
            .payload;
        (account(&event.user_id), sources::reputation_changed(&event))
    } else if envelope.name == TrustLevelChanged::NAME {
        let event = envelope
            .decode::<TrustLevelChanged>()
            .map_err(malformed)?
            .payload;
        (
            account(&event.user_id),
            sources::trust_level_changed(&event),
        )
    } else {
        return Ok(None);
    };
    Ok(user.map(|user_id| Plan {
        notices: vec![(draft, Audience::Users(vec![user_id]))],
        ..Plan::default()
    }))
}

/// `AccountSecurityEvent`: the account's `account.security` notice.
pub fn plan_security(envelope: RawEnvelope) -> Result<Option<Plan>, NotificationError> {
    if envelope.name != AccountSecurityEvent::NAME {
        return Ok(None);
    }
    let event = envelope
        .decode::<AccountSecurityEvent>()
        .map_err(malformed)?
        .payload;
    Ok(Some(Plan {
        notices: vec![(
            sources::account_security(&event),
            Audience::Users(vec![event.user_id]),
        )],
        ..Plan::default()
    }))
}

/// `ReferralCompleted`: the referrer's `referral.completed` notice (`ReferralRecorded` is
/// skipped: the referral is not done yet).
pub fn plan_referral(envelope: RawEnvelope) -> Result<Option<Plan>, NotificationError> {
    if envelope.name != ReferralCompleted::NAME {
        return Ok(None);
    }
    let event = envelope
        .decode::<ReferralCompleted>()
        .map_err(malformed)?
        .payload;
    Ok(Some(Plan {
        notices: vec![(
            sources::referral_completed(&event),
            Audience::Users(vec![event.referrer_id.as_uuid()]),
        )],
        ..Plan::default()
    }))
}
