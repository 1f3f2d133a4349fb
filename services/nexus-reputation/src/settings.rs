//! `[reputation]` settings (`NEXUS_REPUTATION__<KEY>`).
//!
//! As in every section a service reads, an unknown key in `[reputation]` is refused at start
//! (nexus-config's loader), not silently ignored.

use std::time::Duration;

use nexus_config::Validate;
use serde::Deserialize;

/// The reputation service's own settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ReputationSettings {
    /// Base URL of nexus-user (which account an analyst wallet is linked to).
    pub user_url: String,
    /// Base URL of nexus-analysis (a file's detected type and engine verdict hint, read by the
    /// file verdict endpoint).
    pub analysis_url: String,
    /// How long to wait before asking nexus-user again about a wallet no account links yet.
    #[serde(with = "humantime_serde")]
    pub owner_recheck: Duration,
    /// How often the `leaderboards` worker looks for a board Redis lost and rebuilds it.
    #[serde(with = "humantime_serde")]
    pub leaderboard_check_interval: Duration,
    /// How often the `leaderboards` worker rebuilds every current board from PostgreSQL anyway
    /// (repairs a board an update could not reach while Redis was down).
    #[serde(with = "humantime_serde")]
    pub leaderboard_reconcile_interval: Duration,
    /// How often the `rejudgements` worker looks for bounties that reached 30 or 90 days after
    /// settlement (docs/REPUTATION.md, "Re-judgement").
    #[serde(with = "humantime_serde")]
    pub rejudge_interval: Duration,
    /// The referrer's bonus when a referral completes, wei as a decimal string (default 10 NXS;
    /// a string because TOML integers stop at 2^63).
    pub referral_bonus: String,
}

impl ReputationSettings {
    /// `referral_bonus` in wei (0 if invalid, which `validate` refuses at start).
    pub fn referral_bonus_wei(&self) -> u128 {
        self.referral_bonus.parse().unwrap_or(0)
    }
}

impl Default for ReputationSettings {
    fn default() -> Self {
        Self {
            user_url: "http://127.0.0.1:8084".into(),
            analysis_url: "http://127.0.0.1:8082".into(),
            owner_recheck: Duration::from_secs(600),
            leaderboard_check_interval: Duration::from_secs(1),
            leaderboard_reconcile_interval: Duration::from_secs(600),
            rejudge_interval: Duration::from_secs(60),
            referral_bonus: "10000000000000000000".into(),
        }
    }
}

impl Validate for ReputationSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        if url::Url::parse(&self.user_url).is_err() {
            problems.push(format!(
                "reputation.user_url {:?} is not a URL",
                self.user_url
            ));
        }
        if url::Url::parse(&self.analysis_url).is_err() {
            problems.push(format!(
                "reputation.analysis_url {:?} is not a URL",
                self.analysis_url
            ));
        }
        if self.referral_bonus.parse::<u128>().is_err() {
            problems.push(format!(
                "reputation.referral_bonus {:?} is not an amount of wei",
                self.referral_bonus
            ));
        }
        for (key, value) in [
            ("reputation.owner_recheck", self.owner_recheck),
            (
                "reputation.leaderboard_check_interval",
                self.leaderboard_check_interval,
            ),
            (
                "reputation.leaderboard_reconcile_interval",
                self.leaderboard_reconcile_interval,
            ),
            ("reputation.rejudge_interval", self.rejudge_interval),
        ] {
            if value.is_zero() {
                problems.push(format!("{key} must be more than zero"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_every_broken_key_is_named() {
        let mut problems = Vec::new();
        ReputationSettings::default().validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let broken = ReputationSettings {
            user_url: "not a url".into(),
            analysis_url: "http://127.0.0.1:8082".into(),
            owner_recheck: Duration::ZERO,
            leaderboard_check_interval: Duration::ZERO,
            leaderboard_reconcile_interval: Duration::ZERO,
            rejudge_interval: Duration::from_secs(1),
            referral_bonus: "10 NXS".into(),
        };
        broken.validate(&mut problems);
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems[0].starts_with("reputation.user_url"));
    }
}
