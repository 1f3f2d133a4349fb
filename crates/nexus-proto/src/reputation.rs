//! The reputation service's wire types: its REST bodies (`GET /v1/reputation/{user_id}`, its
//! `/history`, `GET /v1/leaderboards`, `GET /v1/files/{sha256}/verdict`) and its events.
//!
//! Events ([`ReputationChanged`], [`TrustLevelChanged`]) travel on [`EVENTS_STREAM`], which the
//! gateway relays on the `leaderboard` topic; both carry `user_id`, so the gateway also relays
//! them on `user:{user_id}` (the stream is one of its user streams).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::event::Event;

/// The stream of reputation and leaderboard changes, relayed on the `leaderboard` topic.
pub const EVENTS_STREAM: &str = "nexus:reputation:events:v1";

/// An analyst's trust level (docs/REPUTATION.md: thresholds and what each unlocks).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TrustLevel {
    /// Too little settled work to judge.
    Newcomer,
    /// A record of mostly right, reasonably calibrated answers.
    Established,
    /// A long, accurate record.
    Trusted,
    /// The best calibrated analysts with the most settled work.
    Expert,
}

impl TrustLevel {
    /// The stable snake_case name (database, API).
    pub const fn as_str(self) -> &'static str {
        match self {
            TrustLevel::Newcomer => "newcomer",
            TrustLevel::Established => "established",
            TrustLevel::Trusted => "trusted",
            TrustLevel::Expert => "expert",
        }
    }

    /// The level named `name` (one of [`TrustLevel::as_str`]).
    pub fn parse(name: &str) -> Option<Self> {
        [
            TrustLevel::Newcomer,
            TrustLevel::Established,
            TrustLevel::Trusted,
            TrustLevel::Expert,
        ]
        .into_iter()
        .find(|level| level.as_str() == name)
    }
}

/// What a trust level unlocks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrustUnlocks {
    /// The rate-limit tier of the analyst's API keys (`standard`, `engine`, `unlimited`).
    pub rate_limit_tier: String,
    /// Discount on the minimum assertion stake, in basis points.
    pub min_stake_discount_bps: u32,
    /// Whether the analyst may be chosen as an arbiter.
    pub arbiter_eligible: bool,
}

/// A score over part of an analyst's work (all of it, one file type, one family).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScoreBreakdown {
    /// What the row covers: a file type (`pe`, `elf`, `macho`, `document`, `script`,
    /// `archive`, `url`, `contract`, `other`) or a family tag.
    pub key: String,
    /// The artifact kind (`file`, `url`, `contract`) for file-type rows; absent for families.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The points (docs/REPUTATION.md), decayed to now.
    pub score: f64,
    /// Average skill per unit of stake weight, shrunk towards a coin flip (`[-3, 1]`).
    pub skill: f64,
    /// Settled, judged assertions counted.
    pub assertions: u64,
    /// Of those, how many were right.
    pub correct: u64,
}

/// `GET /v1/reputation/{user_id}/referrals`: the referral bonuses an account earned (its owner and
/// admins only). A bonus is recorded when someone it referred is first judged right; it is
/// credited by the platform, not paid on the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReferralEarnings {
    /// Referrals completed.
    pub completed: u64,
    /// Their bonuses together, in wei of NXS (decimal string).
    pub total: String,
}

/// `GET /v1/reputation/{user_id}`: an account's public reputation, over every wallet it linked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReputationView {
    /// The account.
    pub user_id: String,
    /// The points over all settled work, decayed to now (docs/REPUTATION.md).
    pub score: f64,
    /// Average skill per unit of stake weight, shrunk towards a coin flip (`[-3, 1]`); with the
    /// number of assertions, what the trust level is decided on.
    pub skill: f64,
    /// The trust level.
    pub trust_level: TrustLevel,
    /// What the level unlocks.
    pub unlocks: TrustUnlocks,
    /// Settled, judged assertions.
    pub assertions: u64,
    /// Of those, how many were right.
    pub correct: u64,
    /// Per artifact kind and file type, best first.
    pub by_file_type: Vec<ScoreBreakdown>,
    /// Per malware family tag, best first (only analyses that carry one).
    pub by_family: Vec<ScoreBreakdown>,
    /// The wallets whose assertions are counted (`0x`, lower case).
    pub wallets: Vec<String>,
    /// When the last change was applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// One change of an account's reputation, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// The entry's id (newest first).
    pub id: i64,
    /// The wallet whose assertion changed (`0x`, lower case).
    pub analyst: String,
    /// The contract's bounty id.
    pub bounty_id: u64,
    /// The chain event that caused it: `BountyResolved`, `DisputeDecided`, `Slashed` or
    /// `ChainEventsRetracted`.
    pub reason: String,
    /// The bounty's outcome after the change (`benign`, `malicious`, `invalid`); absent when the
    /// assertion is no longer scored (retracted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The analyst's outcome after the change (`won`, `lost`, `refunded`, `unrevealed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analyst_outcome: Option<String>,
    /// Change of the wallet's score.
    pub delta: f64,
    /// The wallet's score afterwards.
    pub score: f64,
    /// The wallet's trust level afterwards.
    pub trust_level: TrustLevel,
    /// When the change was applied.
    pub recorded_at: DateTime<Utc>,
}

/// `GET /v1/reputation/{user_id}/history`: one page, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryPage {
    /// The entries.
    pub entries: Vec<HistoryEntry>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /v1/reputation/{user_id}/history` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Page size, 1–100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `GET /v1/leaderboards` query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardQuery {
    /// `week` (this ISO week, UTC), `month` (this calendar month, UTC) or `all` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// `all` (default) or a file type: `pe`, `elf`, `macho`, `document`, `script`, `archive`,
    /// `url`, `contract`, `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// How many ranks, 1–100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// One rank of a leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeaderboardEntry {
    /// 1 for the best.
    pub rank: u64,
    /// The account.
    pub user_id: String,
    /// Its points in the period (docs/REPUTATION.md, "Leaderboards").
    pub score: f64,
}

/// `GET /v1/leaderboards`: the best accounts of a period and kind, and the caller's own rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Leaderboard {
    /// `week`, `month` or `all`.
    pub period: String,
    /// `all` or the file type.
    pub kind: String,
    /// The period's first moment (absent for `all`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// How many accounts are ranked.
    pub total: u64,
    /// The best first.
    pub entries: Vec<LeaderboardEntry>,
    /// The signed-in caller's own rank, when the caller is ranked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub me: Option<LeaderboardEntry>,
}

/// `GET /v1/files/{sha256}/verdict`: the weighted consensus of the analysts on a file
/// (docs/REPUTATION.md, "The verdict endpoint").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileVerdictView {
    /// The file's SHA-256 (64 lower-case hex digits).
    pub sha256: String,
    /// `malicious`, `benign` or `unknown` (not enough weight either way).
    pub label: String,
    /// The probability of the side the balance leans to, in [0.5, 1].
    pub confidence: f64,
    /// The probability that the file is malicious.
    pub malicious_probability: f64,
    /// The file type the analysts' reputations were read for (`other` until the analysis'
    /// type reaches reputation).
    pub file_type: String,
    /// The engine report's hint, when one was used and the caller may read it (never for
    /// guests); `null` otherwise.
    pub engine_hint: Option<EngineHintView>,
    /// Every analyst's latest revealed assertion on a bounty naming this file.
    pub assertions: Vec<VerdictAssertion>,
}

/// The engine report's hint and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EngineHintView {
    /// `malicious`, `benign` or `unknown`.
    pub label: String,
    /// 0-100.
    pub confidence: u8,
    /// Its weight in the balance (log-odds).
    pub weight: f64,
}

/// One analyst's assertion and what it counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VerdictAssertion {
    /// The wallet (`0x` + 40 lower-case hex digits).
    pub analyst: String,
    /// The account the wallet is linked to, when known.
    pub user_id: Option<String>,
    /// `benign` or `malicious`.
    pub verdict: String,
    /// Revealed confidence, 0-100.
    pub confidence: u8,
    /// The analyst's reputation for this file's category.
    pub reputation: VerdictReputation,
    /// Log-odds from reputation and claim, before any cluster split.
    pub base_weight: f64,
    /// How many of this file's analysts share this analyst's voice (1 = independent).
    pub cluster_size: u32,
    /// `base_weight / cluster_size`: what the assertion added to the balance.
    pub effective_weight: f64,
    /// The bounty of the reveal (the latest when the analyst answered several on this file).
    pub bounty_id: u64,
}

/// An analyst's reputation as the verdict used it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VerdictReputation {
    /// Decayed points for this file's category.
    pub score: f64,
    /// Skill for this category, in [-3, 1].
    pub skill: f64,
    /// Settled assertions in this category.
    pub assertions: u64,
    /// The analyst's overall trust level.
    pub trust_level: TrustLevel,
}

/// An account's reputation changed (a bounty settled, a dispute re-scored it, a slash, a
/// retraction, or the wallet's account became known).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReputationChanged {
    /// The account (`user:{user_id}` topic).
    pub user_id: String,
    /// The wallet whose assertion changed (`0x`, lower case).
    pub analyst: String,
    /// The contract's bounty id, when one bounty caused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_bounty_id: Option<u64>,
    /// The chain event that caused it, or `WalletOwnerFound`.
    pub reason: String,
    /// Change of the wallet's score.
    pub delta: f64,
    /// The wallet's score afterwards.
    pub score: f64,
}

impl Event for ReputationChanged {
    const NAME: &'static str = "ReputationChanged";
    const VERSION: u32 = 1;
    const STREAM: &'static str = EVENTS_STREAM;
}

/// An account's wallet moved to another trust level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustLevelChanged {
    /// The account (`user:{user_id}` topic).
    pub user_id: String,
    /// The wallet (`0x`, lower case).
    pub analyst: String,
    /// The level before.
    pub previous: TrustLevel,
    /// The level now.
    pub current: TrustLevel,
}

impl Event for TrustLevelChanged {
    const NAME: &'static str = "TrustLevelChanged";
    const VERSION: u32 = 1;
    const STREAM: &'static str = EVENTS_STREAM;
}

/// A referral completed (the referred account's first assertion was judged right) and the
/// referrer's bonus was recorded. Carries the referrer as `user_id`, so the gateway relays it on
/// the referrer's `user:{user_id}` topic; nexus-notification's `referral.completed` notice reads
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferralBonusRecorded {
    /// The referrer (`user:{user_id}` topic), who earns the bonus.
    pub user_id: String,
    /// The referred account.
    pub referred_id: String,
    /// The contract's bounty id of the referred account's first right assertion.
    pub chain_bounty_id: u64,
    /// The bonus, wei as a decimal string (`reputation.referral_bonus`).
    pub bonus: String,
}

impl Event for ReferralBonusRecorded {
    const NAME: &'static str = "ReferralBonusRecorded";
    const VERSION: u32 = 1;
    const STREAM: &'static str = EVENTS_STREAM;
}
