//! `[analysis]` settings (`NEXUS_ANALYSIS__<KEY>`).

use std::path::PathBuf;
use std::time::Duration;

use nexus_config::Validate;
use secrecy::SecretString;
use serde::Deserialize;

/// The analysis service's own settings. Every field has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AnalysisSettings {
    /// Directory of the local sample store (content-addressed files plus a `tmp/` staging area
    /// on the same file system, so a finished upload is renamed into place). With the `s3`
    /// backend only its `tmp/` staging area is used: local scratch space where an upload is
    /// hashed before it goes to the bucket (an `emptyDir` in Kubernetes).
    pub store_dir: PathBuf,
    /// `[analysis.samples]`: where the samples' bytes live (`local` or `s3`).
    pub samples: SampleStoreSettings,
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
    /// Base URL of nexus-user: a retrohunt whose owner's role or status changed reads the
    /// account there before its next chunk (`GET /internal/v1/users/{id}`, with the service
    /// token).
    pub user_url: String,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        Self {
            store_dir: PathBuf::from(".nexus/samples"),
            samples: SampleStoreSettings::default(),
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
            user_url: "http://127.0.0.1:8084".into(),
        }
    }
}

impl Validate for AnalysisSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        if self.store_dir.as_os_str().is_empty() {
            problems.push("analysis.store_dir must not be empty".into());
        }
        self.samples.validate(problems);
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
        if !(self.user_url.starts_with("http://") || self.user_url.starts_with("https://")) {
            problems.push(format!(
                "analysis.user_url {:?} is not an http(s) URL",
                self.user_url
            ));
        }
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

/// Which sample store backs the service.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SampleBackend {
    /// Files under `analysis.store_dir`: one machine, or a shared volume.
    #[default]
    Local,
    /// An S3-compatible bucket (AWS S3, MinIO, Ceph, ...): every replica sees every sample.
    S3,
}

/// `[analysis.samples]` (`NEXUS_ANALYSIS__SAMPLES__<KEY>`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SampleStoreSettings {
    /// `local` (default) or `s3`.
    pub backend: SampleBackend,
    /// `[analysis.samples.s3]`, read when `backend = "s3"`.
    pub s3: S3Settings,
}

/// `[analysis.samples.s3]` (`NEXUS_ANALYSIS__SAMPLES__S3__<KEY>`): an S3-compatible bucket.
///
/// Credentials left unset come from the standard AWS sources, in the AWS SDKs' order: the
/// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` variables, a web identity
/// token (`AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, e.g. EKS service accounts), then
/// the container or instance metadata endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct S3Settings {
    /// The bucket (required with the `s3` backend; it must exist).
    pub bucket: String,
    /// Prefix of every object key, e.g. `samples/` (a sample is `<prefix><sha256>`).
    pub prefix: String,
    /// The S3 API endpoint, e.g. `http://minio:9000`; unset: AWS's endpoint for `region`.
    pub endpoint: Option<String>,
    /// The bucket's region (`us-east-1` for most S3-compatible servers).
    pub region: String,
    /// Access key id; unset: the standard AWS credential sources.
    pub access_key_id: Option<String>,
    /// Secret access key (secret, never logged); set together with `access_key_id`.
    pub secret_access_key: Option<SecretString>,
    /// Session token of temporary credentials (secret).
    pub session_token: Option<SecretString>,
    /// Path-style requests (`<endpoint>/<bucket>/<key>`), as MinIO and moto need; `false`:
    /// virtual-hosted style (`<bucket>.<endpoint>/<key>`), AWS's default.
    pub path_style: bool,
    /// Allow a plain `http://` endpoint (a server inside the cluster); refused otherwise.
    pub allow_http: bool,
    /// Size of the parts a large sample is uploaded in (S3's minimum is 5 MiB); one part's
    /// worth is the memory an upload holds while it is sent.
    pub part_size_bytes: u64,
    /// Longest wait for one request to the store (a part, a read's first byte).
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
}

impl Default for S3Settings {
    fn default() -> Self {
        Self {
            bucket: String::new(),
            prefix: "samples/".to_owned(),
            endpoint: None,
            region: "us-east-1".to_owned(),
            access_key_id: None,
            secret_access_key: None,
            session_token: None,
            path_style: false,
            allow_http: false,
            part_size_bytes: 8 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// S3 refuses multipart parts under 5 MiB (the last excepted).
pub const S3_MIN_PART_BYTES: u64 = 5 * 1024 * 1024;

impl SampleStoreSettings {
    fn validate(&self, problems: &mut Vec<String>) {
        if self.backend != SampleBackend::S3 {
            return;
        }
        let s3 = &self.s3;
        if s3.bucket.trim().is_empty() {
            problems.push(
                "analysis.samples.s3.bucket must be set when analysis.samples.backend is \"s3\""
                    .into(),
            );
        }
        if s3.prefix.starts_with('/') || s3.prefix.contains("//") {
            problems.push(
                "analysis.samples.s3.prefix must not start with `/` or contain `//` (e.g. `samples/`)"
                    .into(),
            );
        }
        if s3.region.trim().is_empty() {
            problems.push("analysis.samples.s3.region must not be empty".into());
        }
        if let Some(endpoint) = &s3.endpoint {
            if endpoint.starts_with("http://") && !s3.allow_http {
                problems.push(
                    "analysis.samples.s3.endpoint is plain http: set analysis.samples.s3.allow_http = true to allow it"
                        .into(),
                );
            } else if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
                problems
                    .push("analysis.samples.s3.endpoint must be an http:// or https:// URL".into());
            }
        }
        if s3.access_key_id.is_some() != s3.secret_access_key.is_some() {
            problems.push(
                "analysis.samples.s3.access_key_id and secret_access_key must be set together"
                    .into(),
            );
        }
        if !(S3_MIN_PART_BYTES..=512 * 1024 * 1024).contains(&s3.part_size_bytes) {
            problems.push(
                "analysis.samples.s3.part_size_bytes must be between 5242880 (5 MiB) and 536870912"
                    .into(),
            );
        }
        if s3.request_timeout < Duration::from_secs(1) {
            problems.push("analysis.samples.s3.request_timeout must be at least 1s".into());
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

    #[test]
    fn the_s3_backend_needs_a_bucket_and_whole_credentials() {
        let mut settings = AnalysisSettings::default();
        settings.samples.backend = SampleBackend::S3;
        settings.samples.s3.endpoint = Some("http://127.0.0.1:9000".into());
        settings.samples.s3.access_key_id = Some("key".into());
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        let text = problems.join("\n");
        assert!(text.contains("s3.bucket must be set"), "{text}");
        assert!(text.contains("allow_http"), "{text}");
        assert!(text.contains("set together"), "{text}");

        settings.samples.s3.bucket = "nexus-samples".into();
        settings.samples.s3.allow_http = true;
        settings.samples.s3.secret_access_key = Some(SecretString::from("secret"));
        let mut problems = Vec::new();
        settings.validate(&mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(!format!("{settings:?}").contains("secret\""));
    }
}
