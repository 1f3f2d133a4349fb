//! The service's one error enum, mapped to HTTP once.

use actix_web::http::StatusCode;
use nexus_db::DbError;
use nexus_http::HttpError;
use nexus_runtime::DependencyError;

/// Everything a request or job of the analysis service can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// The upload is over `max_upload_bytes`.
    #[error("the sample is larger than the {limit}-byte upload limit; upload a smaller file")]
    SampleTooLarge {
        /// The configured limit.
        limit: u64,
    },
    /// The upload has no bytes.
    #[error("the request body is empty; send the sample's bytes as the body")]
    EmptySample,
    /// The upload stream broke off.
    #[error("the upload was interrupted before the body ended; retry the upload")]
    UploadInterrupted,
    /// `POST /v1/analyze` without a `multipart/form-data` body.
    #[error(
        "send the sample as a multipart/form-data body with one file part named `file` \
         (curl -F file=@sample), or its raw bytes to POST /v1/files"
    )]
    MultipartRequired,
    /// The form has no file part named `file`.
    #[error("the form has no file part named `file`; add one (curl -F file=@sample)")]
    FilePartMissing,
    /// The form has more than one file.
    #[error("the form has more than one file; send one file per request")]
    SeveralFiles,
    /// The multipart body cannot be parsed.
    #[error("the multipart body is malformed ({0}); let your HTTP client build the form")]
    MultipartInvalid(String),
    /// A path segment is not a SHA-256.
    #[error("{0:?} is not a SHA-256; use 64 lower-case hexadecimal digits")]
    InvalidSha256(String),
    /// No such sample.
    #[error("no sample with SHA-256 {0} is stored")]
    SampleNotFound(nexus_core::Sha256),
    /// A bounty was asked for on a file that is not stored, or that the bounty's creator may not
    /// use (neither an uploader of it nor public): the same answer, so probing hashes reveals
    /// nothing.
    #[error(
        "no file with SHA-256 {0} is stored that you uploaded or that is public; upload it first"
    )]
    BountyFileNotFound(nexus_core::Sha256),
    /// No such analysis.
    #[error("analysis {0} does not exist")]
    AnalysisNotFound(uuid::Uuid),
    /// `GET /v1/analyses/{id}/export` with a `format` other than `stix` or `misp`.
    #[error(
        "export format {0:?} is unknown; use `format=stix` (STIX 2.1), `format=misp` (a MISP event), `format=html` or `format=pdf` (a report)"
    )]
    InvalidExportFormat(String),
    /// An export of an analysis that has no report (queued, running or failed).
    #[error(
        "analysis {0} has no report to export yet; wait until it is completed (or reanalyse a failed one)"
    )]
    AnalysisNotFinished(uuid::Uuid),
    /// No such retrohunt.
    #[error("retrohunt {0} does not exist")]
    RetrohuntNotFound(uuid::Uuid),
    /// No such ruleset (or one the caller may not read).
    #[error("ruleset {0} does not exist")]
    RulesetNotFound(i64),
    /// The caller may read the sample but not download its bytes.
    #[error(
        "the bytes of a live sample go only to its uploaders and to analysts; read its report \
         instead, or ask an analyst"
    )]
    DownloadForbidden,
    /// The caller may not do this (the shared caller's denial: 401 `unauthenticated`, 403
    /// `scope_insufficient` or `forbidden`).
    #[error(transparent)]
    Denied(#[from] nexus_runtime::Denied),
    /// `visibility` is neither `private` nor `public`.
    #[error("visibility {0:?} is invalid; use `private` (the default) or `public`")]
    InvalidVisibility(String),
    /// `GET /v1/analyses` with a `limit` outside 1–100.
    #[error("limit {0} is out of range; ask for 1 to 100 analyses a page")]
    InvalidLimit(u32),
    /// `GET /v1/analyses` with a cursor the list did not return.
    #[error("the cursor is not one this list returned; start again without a cursor")]
    InvalidCursor,
    /// A retrohunt names both or neither of `source` and `ruleset_id`.
    #[error("give the YARA rules either as `source` or as `ruleset_id`, not both")]
    RetrohuntSourceAmbiguous,
    /// A per-role daily retrohunt quota is used up.
    #[error(
        "your daily retrohunt quota is used up ({used} of {limit} {what} in the last 24 hours); \
         try again once earlier hunts are more than a day old"
    )]
    QuotaExceeded {
        /// Which quota: hunts or bytes scanned.
        what: RetrohuntQuotaKind,
        /// Used in the last day.
        used: i64,
        /// The role's daily limit.
        limit: i64,
    },
    /// Bad ruleset name.
    #[error("ruleset name {0:?} is invalid; use 1 to 64 characters of a-z, 0-9 and _")]
    InvalidRulesetName(String),
    /// The name is taken.
    #[error("a ruleset named {0:?} already exists; choose another name")]
    RulesetExists(String),
    /// No YARA source was given (neither `source` nor a `ruleset_id` with one).
    #[error("the YARA source is empty; send the rules in `source` (or name a ruleset)")]
    RulesEmpty,
    /// The YARA source is over `max_rules_bytes`.
    #[error("the YARA source must be between 1 and {limit} bytes")]
    RulesTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The YARA source does not compile (the route answers with line and column).
    #[error("the YARA source does not compile: {0}")]
    RuleCompile(nexus_engine::RuleCompileError),
    /// Platform rules failed to load at start.
    #[error("the platform rules could not be loaded")]
    PlatformRules(#[source] nexus_engine::EngineError),
    /// Reading or writing the sample store failed.
    #[error("the sample store failed")]
    Store(#[source] std::io::Error),
    /// A database call failed.
    #[error("a database call failed")]
    Database(#[from] DbError),
    /// A Redis call failed.
    #[error("a Redis call failed")]
    Redis(#[from] redis::RedisError),
    /// A bus call failed.
    #[error("a bus call failed")]
    Bus(#[from] nexus_bus::BusError),
    /// A blocking task was cancelled or panicked.
    #[error("a background task failed: {0}")]
    Task(String),
    /// A stored value could not be decoded.
    #[error("stored data could not be decoded: {0}")]
    Corrupt(String),
}

/// Which daily retrohunt quota was used up; each has its own error code, so a client (and an
/// operator reading the logs) knows whether waiting or a smaller hunt helps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrohuntQuotaKind {
    /// `hunts_per_day`: hunts created (429 `hunts_per_day_exceeded`).
    Hunts,
    /// `bytes_per_day`: bytes scanned (429 `bytes_per_day_exceeded`).
    BytesScanned,
}

impl RetrohuntQuotaKind {
    /// The error code of this quota's refusal.
    pub fn code(self) -> &'static str {
        match self {
            Self::Hunts => "hunts_per_day_exceeded",
            Self::BytesScanned => "bytes_per_day_exceeded",
        }
    }
}

impl std::fmt::Display for RetrohuntQuotaKind {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            Self::Hunts => "hunts",
            Self::BytesScanned => "bytes scanned",
        })
    }
}

// Not `#[from]`: the compiler's message is the answer's message (a 400), so it is shown, not
// also returned as the source.
impl From<nexus_engine::RuleCompileError> for AnalysisError {
    fn from(error: nexus_engine::RuleCompileError) -> Self {
        Self::RuleCompile(error)
    }
}

impl From<sqlx::Error> for AnalysisError {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(DbError::from(error))
    }
}

impl HttpError for AnalysisError {
    fn status(&self) -> StatusCode {
        match self {
            Self::SampleTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RulesTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MultipartRequired => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::FilePartMissing | Self::SeveralFiles | Self::MultipartInvalid(_) => {
                StatusCode::BAD_REQUEST
            }
            Self::EmptySample
            | Self::RulesEmpty
            | Self::UploadInterrupted
            | Self::InvalidSha256(_)
            | Self::InvalidExportFormat(_)
            | Self::InvalidRulesetName(_)
            | Self::RuleCompile(_) => StatusCode::BAD_REQUEST,
            Self::SampleNotFound(_)
            | Self::BountyFileNotFound(_)
            | Self::AnalysisNotFound(_)
            | Self::RetrohuntNotFound(_)
            | Self::RulesetNotFound(_) => StatusCode::NOT_FOUND,
            Self::DownloadForbidden => StatusCode::FORBIDDEN,
            Self::AnalysisNotFinished(_) => StatusCode::CONFLICT,
            Self::Denied(denied) => denied.status(),
            Self::InvalidVisibility(_) => StatusCode::BAD_REQUEST,
            Self::InvalidLimit(_) | Self::InvalidCursor => StatusCode::BAD_REQUEST,
            Self::RetrohuntSourceAmbiguous => StatusCode::UNPROCESSABLE_ENTITY,
            Self::QuotaExceeded { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::RulesetExists(_) => StatusCode::CONFLICT,
            Self::Database(error) => error.classify().status,
            Self::Redis(error) => error.classify().status,
            Self::Bus(error) => error.classify().status,
            Self::PlatformRules(_) | Self::Store(_) | Self::Task(_) | Self::Corrupt(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::SampleTooLarge { .. } => "sample_too_large",
            Self::EmptySample => "empty_sample",
            Self::UploadInterrupted => "upload_interrupted",
            Self::MultipartRequired => "multipart_required",
            Self::FilePartMissing => "file_part_missing",
            Self::SeveralFiles => "several_files",
            Self::MultipartInvalid(_) => "multipart_invalid",
            Self::InvalidSha256(_) => "invalid_sha256",
            Self::SampleNotFound(_) => "sample_not_found",
            Self::BountyFileNotFound(_) => "file_not_found",
            Self::AnalysisNotFound(_) => "analysis_not_found",
            Self::InvalidExportFormat(_) => "invalid_export_format",
            Self::AnalysisNotFinished(_) => "analysis_not_finished",
            Self::RetrohuntNotFound(_) => "retrohunt_not_found",
            Self::RulesetNotFound(_) => "ruleset_not_found",
            Self::DownloadForbidden => "download_forbidden",
            Self::Denied(denied) => denied.code(),
            Self::InvalidVisibility(_) => "invalid_visibility",
            Self::InvalidLimit(_) => "invalid_query",
            Self::InvalidCursor => "invalid_cursor",
            Self::RetrohuntSourceAmbiguous => "retrohunt_source_ambiguous",
            Self::QuotaExceeded { what, .. } => what.code(),
            Self::InvalidRulesetName(_) => "invalid_ruleset_name",
            Self::RulesetExists(_) => "ruleset_exists",
            Self::RulesTooLarge { .. } => "rules_too_large",
            Self::RulesEmpty => "rules_empty",
            Self::RuleCompile(_) => "yara_compile_error",
            Self::Database(error) => error.classify().code,
            Self::Redis(error) => error.classify().code,
            Self::Bus(error) => error.classify().code,
            Self::PlatformRules(_) | Self::Store(_) | Self::Task(_) | Self::Corrupt(_) => {
                "internal_error"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Database and Redis failures answer as in every other service (nexus_runtime's
    /// DependencyError), whatever the variant is called here.
    #[test]
    fn dependency_failures_answer_like_every_other_service() {
        let unreachable_database =
            AnalysisError::Database(DbError::from(sqlx::Error::PoolTimedOut));
        let refused_redis = AnalysisError::Redis(redis::RedisError::from(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        let failed_query = AnalysisError::Database(DbError::NotFound);

        for (error, status, code) in [
            (
                unreachable_database,
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
            ),
            (
                refused_redis,
                StatusCode::SERVICE_UNAVAILABLE,
                "redis_unavailable",
            ),
            (
                failed_query,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error",
            ),
        ] {
            assert_eq!((error.status(), error.code()), (status, code), "{error:?}");
        }
    }
}
