//! What each source event tells whom: pure functions from a consumed event to notice drafts (the
//! kind, the words, the link and the machine-readable data), and the verdict rules of followed
//! files. The consumers (`events.rs`) find the users and hand the drafts to the store.

use chrono::{DateTime, Utc};
use nexus_proto::analysis::{AnalysisCompleted, AnalysisStatus};
use nexus_proto::auth::{AccountSecurityEvent, SecurityEventKind};
use nexus_proto::bounty::{BountyStatus, BountyUpdated};
use nexus_proto::bounty_me::EarningsChanged;
use nexus_proto::report::VerdictHint;
use nexus_proto::reputation::{ReputationChanged, TrustLevelChanged};
use nexus_proto::user::ReferralCompleted;
use serde_json::json;
use uuid::Uuid;

use crate::domain::notice::{Notice, NoticeKind};

/// A notice before it has a recipient: one source event may tell several users the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// The kind.
    pub kind: NoticeKind,
    /// One line.
    pub title: String,
    /// A few sentences.
    pub body: String,
    /// The dashboard path, if any.
    pub link: Option<String>,
    /// The machine-readable details.
    pub data: serde_json::Value,
}

impl Draft {
    /// The notice for `user_id`, from source envelope `source_event`.
    pub fn for_user(
        &self,
        user_id: Uuid,
        source_event: Uuid,
        occurred_at: DateTime<Utc>,
    ) -> Notice {
        Notice {
            id: Uuid::now_v7(),
            user_id,
            kind: self.kind,
            title: self.title.clone(),
            body: self.body.clone(),
            link: self.link.clone(),
            data: self.data.clone(),
            source_event,
            occurred_at,
        }
    }
}

/// A file's verdict as followers see it. `unknown` and `invalid` outcomes say nothing about the
/// file, so they are not verdicts and change nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Judged harmless.
    Benign,
    /// Worth a human look.
    Suspicious,
    /// Judged malicious.
    Malicious,
}

impl Verdict {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Benign => "benign",
            Verdict::Suspicious => "suspicious",
            Verdict::Malicious => "malicious",
        }
    }

    /// The verdict named `name`.
    pub fn parse(name: &str) -> Option<Verdict> {
        match name {
            "benign" => Some(Verdict::Benign),
            "suspicious" => Some(Verdict::Suspicious),
            "malicious" => Some(Verdict::Malicious),
            _ => None,
        }
    }
}

/// A verdict learnt from a source, with why (what the follower reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictNews {
    /// The file (lower-case hex SHA-256).
    pub sha256: String,
    /// The new verdict.
    pub verdict: Verdict,
    /// Which source (`analysis`, `bounty`).
    pub source: &'static str,
    /// Why, for people.
    pub reason: String,
    /// Ids of the cause, for machines.
    pub cause: serde_json::Value,
}

/// The verdict-changed notice: `old` → `news.verdict`.
pub fn verdict_changed(old: Verdict, news: &VerdictNews) -> Draft {
    let short = news.sha256.get(..12).unwrap_or(&news.sha256);
    Draft {
        kind: NoticeKind::VerdictChanged,
        title: format!(
            "File {short}… is now {} (was {})",
            news.verdict.as_str(),
            old.as_str()
        ),
        body: format!(
            "The verdict on file {} changed from {} to {}: {}.",
            news.sha256,
            old.as_str(),
            news.verdict.as_str(),
            news.reason
        ),
        link: Some(format!("/files/{}", news.sha256)),
        data: json!({
            "sha256": news.sha256,
            "old_verdict": old.as_str(),
            "new_verdict": news.verdict.as_str(),
            "source": news.source,
            "reason": news.reason,
            "cause": news.cause,
        }),
    }
}

/// The verdict an analysis gives its file, if it gives one.
pub fn analysis_verdict(event: &AnalysisCompleted) -> Option<VerdictNews> {
    if event.status == AnalysisStatus::Failed {
        return None;
    }
    let verdict = match event.verdict {
        VerdictHint::Benign => Verdict::Benign,
        VerdictHint::Suspicious => Verdict::Suspicious,
        VerdictHint::Malicious => Verdict::Malicious,
        VerdictHint::Unknown => return None,
    };
    Some(VerdictNews {
        sha256: event.sha256.to_string(),
        verdict,
        source: "analysis",
        reason: format!(
            "a new analysis with rules {} scored it {}/100",
            event.ruleset_version, event.score
        ),
        cause: json!({ "analysis_id": event.analysis_id, "ruleset_version": event.ruleset_version }),
    })
}

/// The verdict a resolved file bounty gives its file, if it gives one.
pub fn bounty_verdict(event: &BountyUpdated) -> Option<VerdictNews> {
    // A resolution, or an arbiter's ruling on a dispute (a re-judgement).
    let judged = matches!(event.status, BountyStatus::Resolved | BountyStatus::Decided);
    if !judged || event.previous_status == event.status {
        return None;
    }
    if event.artifact_kind != nexus_proto::bounty::ArtifactKind::File {
        return None;
    }
    let verdict = match event.outcome.as_deref()? {
        "benign" => Verdict::Benign,
        "malicious" => Verdict::Malicious,
        _ => return None,
    };
    let sha256 = event.artifact_hash.clone()?;
    Some(VerdictNews {
        sha256,
        verdict,
        source: "bounty",
        reason: format!(
            "bounty {} resolved {} after {} reveals",
            event.bounty_id,
            verdict.as_str(),
            event.reveal_count
        ),
        cause: json!({ "bounty_id": event.bounty_id, "chain_bounty_id": event.chain_bounty_id }),
    })
}

/// The submitter's notice that their analysis finished.
pub fn analysis_completed(event: &AnalysisCompleted) -> Draft {
    let status = serde_json::to_value(event.status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| "finished".to_owned());
    let verdict = serde_json::to_value(event.verdict)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned());
    let short = event.sha256.to_string();
    let short = short.get(..12).unwrap_or(&short).to_owned();
    Draft {
        kind: NoticeKind::AnalysisCompleted,
        title: format!("Analysis of {short}… {status}: {verdict}"),
        body: format!(
            "The analysis of file {} finished ({status}) with the verdict {verdict} and a score of {}/100.",
            event.sha256, event.score
        ),
        link: Some(format!("/analyses/{}", event.analysis_id)),
        data: json!({
            "analysis_id": event.analysis_id,
            "sha256": event.sha256.to_string(),
            "status": status,
            "verdict": verdict,
            "score": event.score,
        }),
    }
}

/// The bounty's creator's notice about activity on it (a commitment, a reveal, the resolution),
/// if the update is one.
pub fn bounty_activity(event: &BountyUpdated) -> Option<Draft> {
    let link = Some(format!("/bounties/{}", event.bounty_id));
    let data = json!({
        "bounty_id": event.bounty_id,
        "chain_bounty_id": event.chain_bounty_id,
        "status": event.status,
        "cause": event.cause,
        "commitment_count": event.commitment_count,
        "reveal_count": event.reveal_count,
        "outcome": event.outcome,
    });
    match event.cause.as_str() {
        "AssertionCommitted" => Some(Draft {
            kind: NoticeKind::BountyActivity,
            title: "A new commitment on your bounty".to_owned(),
            body: format!(
                "An analyst committed a sealed verdict on your bounty ({} so far).",
                event.commitment_count
            ),
            link,
            data,
        }),
        "AssertionRevealed" => Some(Draft {
            kind: NoticeKind::BountyActivity,
            title: "A verdict was revealed on your bounty".to_owned(),
            body: format!(
                "An analyst revealed their verdict on your bounty ({} of {} revealed).",
                event.reveal_count, event.commitment_count
            ),
            link,
            data,
        }),
        _ if event.status == BountyStatus::Resolved
            && event.previous_status != BountyStatus::Resolved =>
        {
            let outcome = event
                .outcome
                .clone()
                .unwrap_or_else(|| "resolved".to_owned());
            Some(Draft {
                kind: NoticeKind::BountyResolved,
                title: format!("Your bounty resolved: {outcome}"),
                body: format!(
                    "Your bounty resolved with the outcome {outcome} after {} reveals.",
                    event.reveal_count
                ),
                link,
                data,
            })
        }
        // Too few reveals (below the quorum, or a tie): the chain closes it `invalid` and the
        // creator may take the reward back; they must hear of it as of any other ending.
        _ if event.status == BountyStatus::Expired
            && event.previous_status != BountyStatus::Expired =>
        {
            Some(Draft {
                kind: NoticeKind::BountyResolved,
                title: "Your bounty expired: invalid".to_owned(),
                body: format!(
                    "Your bounty closed without a verdict ({} reveals, fewer than it needed); \
                     its reward can be refunded from the bounty's page.",
                    event.reveal_count
                ),
                link,
                data,
            })
        }
        _ => None,
    }
}

/// The `bounty.opened` notice for analysts whose interests match (the matching is SQL).
pub fn bounty_opened(event: &BountyUpdated) -> Option<Draft> {
    if event.cause != "BountyOpened" || !event.is_public {
        return None;
    }
    let kind = artifact_kind_name(event);
    Some(Draft {
        kind: NoticeKind::BountyOpened,
        title: format!("A new {kind} bounty matches your interests"),
        body: format!(
            "A {kind} bounty opened with a reward of {} wei.",
            event.reward
        ),
        link: Some(format!("/bounties/{}", event.bounty_id)),
        data: json!({
            "bounty_id": event.bounty_id,
            "chain_bounty_id": event.chain_bounty_id,
            "artifact_kind": kind,
            "reward": event.reward,
        }),
    })
}

/// `file`, `url` or `contract`.
pub fn artifact_kind_name(event: &BountyUpdated) -> String {
    serde_json::to_value(event.artifact_kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| "file".to_owned())
}

/// The notice an earnings change makes, by its chain cause.
pub fn earnings_changed(event: &EarningsChanged) -> Option<Draft> {
    let (kind, title, body) = match event.cause.as_str() {
        "BountyResolved" | "DisputeDecided" | "BountyRefunded" => (
            NoticeKind::RewardClaimable,
            "A reward is ready to claim",
            "A bounty you took part in settled: what it pays you can now be claimed.",
        ),
        "RewardClaimed" => (
            NoticeKind::RewardClaimed,
            "Your reward was claimed",
            "The reward of a bounty was paid to your wallet.",
        ),
        "Slashed" => (
            NoticeKind::Slashed,
            "Part of your stake was slashed",
            "Stake was taken from your wallet because an assertion was not revealed in time.",
        ),
        _ => return None,
    };
    Some(Draft {
        kind,
        title: title.to_owned(),
        body: body.to_owned(),
        link: Some("/me/earnings".to_owned()),
        data: json!({ "bounty_id": event.bounty, "wallet": event.wallet, "cause": event.cause }),
    })
}

/// The notice of a reputation change.
pub fn reputation_changed(event: &ReputationChanged) -> Draft {
    Draft {
        kind: NoticeKind::ReputationChanged,
        title: format!("Your reputation changed by {:+.2}", event.delta),
        body: format!(
            "Your wallet {}'s reputation is now {:.2} ({:+.2}, {}).",
            event.analyst, event.score, event.delta, event.reason
        ),
        link: Some("/me/reputation".to_owned()),
        data: json!({
            "analyst": event.analyst,
            "chain_bounty_id": event.chain_bounty_id,
            "reason": event.reason,
            "delta": event.delta,
            "score": event.score,
        }),
    }
}

/// The notice of a trust level change.
pub fn trust_level_changed(event: &TrustLevelChanged) -> Draft {
    let name = |level| {
        serde_json::to_value(level)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let (previous, current) = (name(event.previous), name(event.current));
    Draft {
        kind: NoticeKind::TrustLevelChanged,
        title: format!("Your trust level is now {current}"),
        body: format!(
            "Your wallet {}'s trust level moved from {previous} to {current}.",
            event.analyst
        ),
        link: Some("/me/reputation".to_owned()),
        data: json!({ "analyst": event.analyst, "previous": previous, "current": current }),
    }
}

/// The notice of a change to an account's security (mandatory: it cannot be turned off). The
/// words name the address or key so the owner can tell whether it was them.
pub fn account_security(event: &AccountSecurityEvent) -> Draft {
    let from = event
        .ip
        .as_deref()
        .map(|ip| format!(" from {ip}"))
        .unwrap_or_default();
    let key = event.api_key_name.as_deref().unwrap_or("an API key");
    let (title, body, link) = match event.kind {
        SecurityEventKind::NewSignInAddress => (
            format!("New sign-in{from}"),
            format!(
                "Your account was signed in to{from}, an address it had not used before. If this \
                 was not you, change your password and sign out everywhere."
            ),
            "/settings/mfa",
        ),
        SecurityEventKind::ApiKeyCreated => (
            format!("API key \"{key}\" created"),
            format!(
                "A new API key \"{key}\" was created for your account{from}. If this was not you, \
                 revoke it and change your password."
            ),
            "/settings/api-keys",
        ),
        SecurityEventKind::ApiKeyRevoked => (
            format!("API key \"{key}\" revoked"),
            format!("The API key \"{key}\" was revoked{from}; it no longer works."),
            "/settings/api-keys",
        ),
        SecurityEventKind::MfaEnrolled => (
            "Two-factor authentication turned on".to_owned(),
            format!(
                "An authenticator app was enrolled as your second factor{from}. Keep your \
                 recovery codes somewhere safe."
            ),
            "/settings/mfa",
        ),
        SecurityEventKind::MfaDisabled => (
            "Two-factor authentication turned off".to_owned(),
            format!(
                "Your second factor was removed{from}. If this was not you, change your password \
                 and enrol it again."
            ),
            "/settings/mfa",
        ),
        SecurityEventKind::AccountLocked => (
            "Sign-in locked after failed attempts".to_owned(),
            format!(
                "Signing in to your account was locked for a while after repeated failed \
                 attempts{from}. If this was not you, consider changing your password."
            ),
            "/settings/mfa",
        ),
    };
    Draft {
        kind: NoticeKind::Security,
        title,
        body,
        link: Some(link.to_owned()),
        data: json!({
            "kind": event.kind.as_str(),
            "ip": event.ip,
            "api_key_id": event.api_key_id,
            "api_key_name": event.api_key_name,
            "at": event.at,
        }),
    }
}

/// The referrer's notice that someone they referred completed their referral.
pub fn referral_completed(event: &ReferralCompleted) -> Draft {
    Draft {
        kind: NoticeKind::ReferralCompleted,
        title: "A referral completed".to_owned(),
        body: "Someone you referred finished signing up with your code.".to_owned(),
        link: Some("/".to_owned()),
        data: json!({ "referred_id": event.referred_id.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nexus_proto::bounty::ArtifactKind;

    fn updated(cause: &str, previous: BountyStatus, status: BountyStatus) -> BountyUpdated {
        BountyUpdated {
            bounty_id: Uuid::nil(),
            chain_bounty_id: Some(7),
            is_public: true,
            artifact_kind: ArtifactKind::File,
            reward: "1000".into(),
            previous_status: previous,
            status,
            commitment_count: 3,
            reveal_count: 2,
            outcome: Some("malicious".into()),
            cause: cause.into(),
            creator_id: Some(Uuid::nil().to_string()),
            artifact_hash: Some("ab".repeat(32)),
        }
    }

    #[test]
    fn a_resolution_is_a_verdict_and_tells_the_creator() {
        let event = updated(
            "BountyResolved",
            BountyStatus::Resolving,
            BountyStatus::Resolved,
        );
        let news = bounty_verdict(&event);
        assert_eq!(news.as_ref().map(|n| n.verdict), Some(Verdict::Malicious));
        let draft = bounty_activity(&event);
        assert_eq!(draft.map(|d| d.kind), Some(NoticeKind::BountyResolved));
    }

    #[test]
    fn invalid_outcomes_and_other_kinds_are_not_verdicts() {
        let mut event = updated(
            "BountyResolved",
            BountyStatus::Resolving,
            BountyStatus::Resolved,
        );
        event.outcome = Some("invalid".into());
        assert_eq!(bounty_verdict(&event), None);
        let mut event = updated(
            "BountyResolved",
            BountyStatus::Resolving,
            BountyStatus::Resolved,
        );
        event.artifact_kind = ArtifactKind::Url;
        assert_eq!(bounty_verdict(&event), None);
    }

    #[test]
    fn an_expired_bounty_tells_its_creator_once_and_is_no_verdict() {
        let mut event = updated(
            "BountyResolved",
            BountyStatus::Revealing,
            BountyStatus::Expired,
        );
        event.outcome = Some("invalid".into());
        let draft = bounty_activity(&event);
        assert_eq!(
            draft.as_ref().map(|d| d.kind),
            Some(NoticeKind::BountyResolved)
        );
        assert!(draft.is_some_and(|d| d.title.contains("expired")));
        assert_eq!(bounty_verdict(&event), None);
        let again = updated("BlockTime", BountyStatus::Expired, BountyStatus::Expired);
        assert_eq!(bounty_activity(&again), None);
    }

    #[test]
    fn commitments_and_reveals_are_activity() {
        let commit = updated("AssertionCommitted", BountyStatus::Open, BountyStatus::Open);
        assert_eq!(
            bounty_activity(&commit).map(|d| d.kind),
            Some(NoticeKind::BountyActivity)
        );
        let other = updated("BlockTime", BountyStatus::Open, BountyStatus::Revealing);
        assert_eq!(bounty_activity(&other), None);
    }

    #[test]
    fn the_verdict_change_says_old_and_new_and_why() {
        let news = VerdictNews {
            sha256: "cd".repeat(32),
            verdict: Verdict::Malicious,
            source: "analysis",
            reason: "a new analysis".into(),
            cause: json!({}),
        };
        let draft = verdict_changed(Verdict::Benign, &news);
        assert_eq!(draft.data["old_verdict"], "benign");
        assert_eq!(draft.data["new_verdict"], "malicious");
        assert!(
            draft
                .body
                .contains("from benign to malicious: a new analysis")
        );
    }

    #[test]
    fn earnings_causes_map_to_their_kinds() {
        let event = |cause: &str| EarningsChanged {
            user_id: Uuid::nil().to_string(),
            wallet: "0x00".into(),
            bounty: Uuid::nil(),
            cause: cause.into(),
        };
        assert_eq!(
            earnings_changed(&event("BountyResolved")).map(|d| d.kind),
            Some(NoticeKind::RewardClaimable)
        );
        assert_eq!(
            earnings_changed(&event("RewardClaimed")).map(|d| d.kind),
            Some(NoticeKind::RewardClaimed)
        );
        assert_eq!(
            earnings_changed(&event("Slashed")).map(|d| d.kind),
            Some(NoticeKind::Slashed)
        );
        assert_eq!(earnings_changed(&event("ChainEventsRetracted")), None);
    }

    #[test]
    fn security_notices_name_the_address_and_the_key() {
        let event = AccountSecurityEvent {
            user_id: Uuid::nil(),
            kind: SecurityEventKind::NewSignInAddress,
            ip: Some("203.0.113.7".to_owned()),
            api_key_id: None,
            api_key_name: None,
            at: Utc::now(),
        };
        let draft = account_security(&event);
        assert_eq!(draft.kind, NoticeKind::Security);
        assert_eq!(draft.title, "New sign-in from 203.0.113.7");
        assert_eq!(draft.data["kind"], "new_sign_in_address");
        let created = account_security(&AccountSecurityEvent {
            kind: SecurityEventKind::ApiKeyCreated,
            api_key_name: Some("ci".to_owned()),
            ..event
        });
        assert_eq!(created.title, "API key \"ci\" created");
        assert!(
            created.body.contains("from 203.0.113.7"),
            "{}",
            created.body
        );
    }
}
