//! Trust levels: what an analyst has earned, from how much they have done and how well, and
//! what each level unlocks. Both are data ([`TRUST_THRESHOLDS`], [`TrustLevel::unlocks`]) so the
//! service, the docs and the dashboard read one table.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::aggregate::AnalystScore;
use crate::ApiKeyTier;

/// An analyst's trust level, lowest first (the order is meaningful: `Ord` compares levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustLevel {
    /// Everyone starts here.
    Newcomer,
    /// A track record better than chance.
    Established,
    /// Right about four times in five, calibrated, over dozens of bounties.
    Trusted,
    /// Right about nine times in ten, calibrated, over hundreds of bounties.
    Expert,
}

/// What a level requires: at least `min_settled` assertions settled with a valid outcome (all
/// time) and a [`AnalystScore::skill`] of at least `min_skill` (recent work, decayed).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrustThreshold {
    /// The level reached.
    pub level: TrustLevel,
    /// Settled assertions needed.
    pub min_settled: u64,
    /// Skill needed.
    pub min_skill: f64,
}

/// The thresholds, lowest level first; a level needs its own row (and so, since the rows grow,
/// every lower one). Skill 0.1 is about 66 % right when calibrated, 0.3 about 78 %, 0.55 about
/// 87 %, after the prior's shrinkage has mostly worn off.
pub const TRUST_THRESHOLDS: [TrustThreshold; 3] = [
    TrustThreshold {
        level: TrustLevel::Established,
        min_settled: 10,
        min_skill: 0.1,
    },
    TrustThreshold {
        level: TrustLevel::Trusted,
        min_settled: 50,
        min_skill: 0.3,
    },
    TrustThreshold {
        level: TrustLevel::Expert,
        min_settled: 200,
        min_skill: 0.55,
    },
];

/// What a trust level unlocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unlocks {
    /// The rate-limit tier of the analyst's API keys (the gateway's settings give the numbers).
    pub rate_limit_tier: ApiKeyTier,
    /// Discount on a bounty's minimum stake, in basis points (2_500 = a quarter less).
    pub min_stake_discount_bps: u16,
    /// Whether the analyst may be chosen as an arbiter in disputes.
    pub arbiter_eligible: bool,
}

impl TrustLevel {
    /// Every level, lowest first.
    pub const ALL: [TrustLevel; 4] = [
        TrustLevel::Newcomer,
        TrustLevel::Established,
        TrustLevel::Trusted,
        TrustLevel::Expert,
    ];

    /// The level `score` has earned: the highest whose threshold it meets.
    pub fn of(score: &AnalystScore) -> TrustLevel {
        let skill = score.skill();
        TRUST_THRESHOLDS
            .iter()
            .filter(|threshold| {
                score.settled >= threshold.min_settled && skill >= threshold.min_skill
            })
            .map(|threshold| threshold.level)
            .max()
            .unwrap_or(TrustLevel::Newcomer)
    }

    /// What this level unlocks.
    pub const fn unlocks(self) -> Unlocks {
        match self {
            TrustLevel::Newcomer => Unlocks {
                rate_limit_tier: ApiKeyTier::Standard,
                min_stake_discount_bps: 0,
                arbiter_eligible: false,
            },
            TrustLevel::Established => Unlocks {
                rate_limit_tier: ApiKeyTier::Engine,
                min_stake_discount_bps: 1_000,
                arbiter_eligible: false,
            },
            TrustLevel::Trusted => Unlocks {
                rate_limit_tier: ApiKeyTier::Engine,
                min_stake_discount_bps: 2_500,
                arbiter_eligible: false,
            },
            TrustLevel::Expert => Unlocks {
                rate_limit_tier: ApiKeyTier::Unlimited,
                min_stake_discount_bps: 5_000,
                arbiter_eligible: true,
            },
        }
    }

    /// The stable snake_case name (API, database, events).
    pub const fn as_str(self) -> &'static str {
        match self {
            TrustLevel::Newcomer => "newcomer",
            TrustLevel::Established => "established",
            TrustLevel::Trusted => "trusted",
            TrustLevel::Expert => "expert",
        }
    }

    /// The level named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.as_str() == name)
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}
