//! `[analysis]` settings (`NEXUS_ANALYSIS__<KEY>`).

use std::path::PathBuf;
use std::time::Duration;

use nexus_config::Validate;
use serde::Deserialize;

/// The analysis service's own settings. Every field has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AnalysisSettings {
    /// Directory of the local sample store (content-addressed files plus a `tmp/` staging area
    /// on the same file system, so a finished upload is renamed into place).
    pub store_dir: PathBuf,
    /// Directory of platform YARA rules (`.yar`, `.yara`, `.yarc`, recursively); the engine's
    /// built-in rules are always loaded. Unset: built-in rules only.
    pub rules_dir: Option<PathBuf>,
    /// Largest accepted upload in bytes; larger ones are refused with 413 `sample_too_large`
    /// while streaming (nothing is kept).
    pub max_upload_bytes: u64,
    /// Concurrent analysis workers in this process (each a consumer of the job stream running
    /// the engine on a blocking thread). 0 disables analysis in this process (upload-only).
    pub workers: usize,
    /// How long a report stays in the Redis cache (key: SHA-256 + rules version).
    #[serde(with = "humantime_serde")]
    pub report_cache_ttl: Duration,
    /// How often `nexus_analysis_queue_depth` is refreshed from the database.
    #[serde(with = "humantime_serde")]
    pub queue_depth_interval: Duration,
    /// Largest accepted YARA source (rulesets and retrohunts), in bytes.
    pub max_rules_bytes: usize,
    /// Samples a retrohunt scans per job before it saves its cursor and queues the rest.
    pub retrohunt_batch: i64,
    /// Most similar files returned by `GET /v1/files/{sha256}/similar`.
    pub similar_limit: i64,
    /// Largest TLSH distance reported as similar.
    pub tlsh_max_distance: u32,
    /// `[analysis.jobs]`: CPU pool, memory budget, reconciliation (see `job_settings`).
    pub jobs: crate::job_settings::JobSettings,
    /// Time budget of a retrohunt's rules on one sample (a user rule's own budget; a sample
    /// that exhausts it is counted as `skipped` in the hunt). Capped by the chunk's budget,
    /// half of `bus.handler_timeout`.
    #[serde(with = "humantime_serde")]
    pub retrohunt_scan_timeout: Duration,
    /// `[analysis.retrohunt_quotas]`: daily retrohunt quotas per role.
    pub retrohunt_quotas: RetrohuntQuotas,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        Self {
            store_dir: PathBuf::from(".nexus/samples"),
            rules_dir: None,
            max_upload_bytes: 256 * 1024 * 1024,
            workers: 2,
            report_cache_ttl: Duration::from_secs(24 * 3600),
            queue_depth_interval: Duration::from_secs(5),
            max_rules_bytes: 1024 * 1024,
            retrohunt_batch: 200,
            similar_limit: 50,
            tlsh_max_distance: 100,
            jobs: crate::job_settings::JobSettings::default(),
            retrohunt_scan_timeout: Duration::from_secs(10),
            retrohunt_quotas: RetrohuntQuotas::default(),
        }
    }
}

impl Validate for AnalysisSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        if self.store_dir.as_os_str().is_empty() {
            problems.push("analysis.store_dir must not be empty".into());
        }
        if self.max_upload_bytes == 0 {
            problems.push("analysis.max_upload_bytes must be at least 1".into());
        }
        if self.workers > 256 {
            problems.push("analysis.workers must be at most 256".into());
        }
        if self.queue_depth_interval.is_zero() {
            problems.push("analysis.queue_depth_interval must be positive".into());
        }
        if !(1..=64 * 1024 * 1024).contains(&self.max_rules_bytes) {
            problems.push("analysis.max_rules_bytes must be between 1 and 67108864".into());
        }
        if !(1..=100_000).contains(&self.retrohunt_batch) {
            problems.push("analysis.retrohunt_batch must be between 1 and 100000".into());
        }
        if !(1..=1_000).contains(&self.similar_limit) {
            problems.push("analysis.similar_limit must be between 1 and 1000".into());
        }
        self.jobs.validate(self.max_upload_bytes, problems);
        if self.retrohunt_scan_timeout < Duration::from_secs(1) {
            problems.push("analysis.retrohunt_scan_timeout must be at least 1s".into());
        }
        for (role, quota) in [
            ("user", &self.retrohunt_quotas.user),
            ("analyst", &self.retrohunt_quotas.analyst),
            ("admin", &self.retrohunt_quotas.admin),
        ] {
            if quota.hunts_per_day < 0 || quota.bytes_per_day < 0 {
                problems.push(format!(
                    "analysis.retrohunt_quotas.{role} must not be negative"
                ));
            }
        }
    }
}

/// One role's daily retrohunt quota (a rolling 24 hours).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub struct RetrohuntQuota {
    /// Hunts that may be created.
    pub hunts_per_day: i64,
    /// Sample bytes the hunts may scan.
    pub bytes_per_day: i64,
}

/// `[analysis.retrohunt_quotas]`: a quota per role (guests cannot hunt).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct RetrohuntQuotas {
    /// Signed-in users.
    pub user: RetrohuntQuota,
    /// Accounts with the `analyst` role.
    pub analyst: RetrohuntQuota,
    /// Accounts with the `admin` role.
    pub admin: RetrohuntQuota,
}

impl Default for RetrohuntQuotas {
    fn default() -> Self {
        const GIB: i64 = 1024 * 1024 * 1024;
        Self {
            user: RetrohuntQuota {
                hunts_per_day: 20,
                bytes_per_day: 10 * GIB,
            },
            analyst: RetrohuntQuota {
                hunts_per_day: 200,
                bytes_per_day: 200 * GIB,
            },
            admin: RetrohuntQuota {
                hunts_per_day: 1000,
                bytes_per_day: 1024 * GIB,
            },
        }
    }
}

impl RetrohuntQuotas {
    /// The quota of `role` (a guest gets none).
    pub fn of(&self, role: nexus_core::Role) -> RetrohuntQuota {
        match role {
            nexus_core::Role::Guest => RetrohuntQuota {
                hunts_per_day: 0,
                bytes_per_day: 0,
            },
            nexus_core::Role::User => self.user,
            nexus_core::Role::Analyst => self.analyst,
            nexus_core::Role::Admin => self.admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let mut problems = Vec::new();
        AnalysisSettings::default().validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn zero_upload_limit_is_refused() {
        let settings = AnalysisSettings {
            max_upload_bytes: 0,
            ..AnalysisSettings::default()
        };
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        assert_eq!(problems.len(), 1);
    }
}
