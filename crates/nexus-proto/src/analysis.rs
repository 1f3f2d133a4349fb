//! The analysis service's wire types: uploads, analyses and their status, similar-file search,
//! rulesets, retrohunts (REST bodies) and the events it publishes (`AnalysisProgress`,
//! `AnalysisCompleted`, ...). The report itself is in [`crate::report`].
//!
//! Streams (all `nexus:analysis:<topic>:v1`):
//! - [`AnalysisRequested`] on `nexus:analysis:jobs:v1`: the job queue the service's own workers
//!   consume (written through the outbox with the analysis row).
//! - [`AnalysisProgress`] on `nexus:analysis:progress:v1`: live only (pub/sub), stage updates for
//!   the gateway's WebSocket hub; a client that misses one re-reads `GET /v1/analyses/{id}`.
//! - [`AnalysisCompleted`] on `nexus:analysis:events:v1`: durable, through the outbox.
//! - [`RulesetPublished`] on `nexus:analysis:rulesets:v1`: other instances swap in the new rules.
//! - [`RetrohuntRequested`] on `nexus:analysis:retrohunts:v1`: retrohunt work, in resumable chunks.

use chrono::{DateTime, Utc};
use nexus_core::Sha256;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::Event;
use crate::report::{AnalysisReport, VerdictHint};

/// Where an analysis is in its life: `queued → running → completed | partial | failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnalysisStatus {
    /// Waiting for a worker.
    Queued,
    /// A worker is analysing the sample.
    Running,
    /// Every engine stage succeeded.
    Completed,
    /// A report exists but at least one stage failed (its error is in `report.stages`).
    Partial,
    /// No report could be produced (e.g. the stored sample is unreadable).
    Failed,
}

impl AnalysisStatus {
    /// The stable lower-case name (also the database value).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Partial => "partial",
            Self::Failed => "failed",
        }
    }

    /// Parses [`AnalysisStatus::as_str`]'s output.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Queued,
            Self::Running,
            Self::Completed,
            Self::Partial,
            Self::Failed,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    /// True for `completed`, `partial` and `failed`: nothing will change any more.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Partial | Self::Failed)
    }
}

/// Who may read a sample (and its analyses): chosen by each uploader at upload
/// (`POST /v1/files?visibility=public`); a sample is public once any uploader made it public.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SampleVisibility {
    /// Its uploaders (and admins; analysts too when it is a bounty's artifact).
    #[default]
    Private,
    /// Everyone, guests included (the bytes still only to uploaders and analysts).
    Public,
}

impl SampleVisibility {
    /// The stable lower-case name (also the database value).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Public => "public",
        }
    }
}

/// `202` answer of `POST /v1/files`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UploadAccepted {
    /// The analysis that covers this upload (an existing one when `duplicate`).
    pub analysis_id: Uuid,
    /// SHA-256 of the uploaded bytes (lower-case hex), the sample's address in the store.
    #[schema(value_type = String)]
    pub sha256: Sha256,
    /// True when the same bytes were already analysed (or queued) with the current rules: no new
    /// analysis was started.
    pub duplicate: bool,
    /// The analysis's status at the time of the answer.
    pub status: AnalysisStatus,
    /// Size of the sample in bytes.
    pub size: u64,
    /// The sample's visibility after this upload (public once any uploader chose public).
    #[serde(default)]
    pub visibility: SampleVisibility,
}

/// `202` answer of `POST /v1/analyses/{id}/reanalyse`: the analysis that now covers the sample
/// under the current rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReanalysisAccepted {
    /// The analysis to follow: a new queued one, or the one that already covers the sample
    /// under the current rules (`duplicate: true`).
    pub analysis_id: Uuid,
    /// The analysis the request named.
    pub previous_analysis_id: Uuid,
    /// The analysed sample.
    #[schema(value_type = String)]
    pub sha256: Sha256,
    /// Status of `analysis_id`.
    pub status: AnalysisStatus,
    /// The rules version `analysis_id` scans with.
    pub ruleset_version: String,
    /// True when an analysis under the current rules already existed (queued, running or
    /// finished) and nothing new was queued.
    pub duplicate: bool,
}

/// `GET /v1/analyses/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnalysisView {
    /// The analysis's id (a UUIDv7 chosen when it was queued): the `{id}` of
    /// `GET /v1/analyses/{id}`.
    pub id: Uuid,
    /// The sample analysed.
    #[schema(value_type = String)]
    pub sha256: Sha256,
    /// `queued` or `running` until a worker finishes it as `completed`, `partial` or `failed`.
    pub status: AnalysisStatus,
    /// The last stage a worker reported (`fetch`, `engine`, `commit`, ...), if any.
    pub stage: Option<String>,
    /// The rules version the sample was (or will be) scanned with.
    pub ruleset_version: String,
    /// Verdict hint once finished.
    #[schema(value_type = Option<String>)]
    pub verdict: Option<VerdictHint>,
    /// Score 0–100 once finished.
    pub score: Option<u8>,
    /// Why the analysis failed, for `failed`.
    pub error: Option<String>,
    /// When the analysis was queued.
    pub created_at: DateTime<Utc>,
    /// When a worker started it.
    pub started_at: Option<DateTime<Utc>>,
    /// When a worker finished it (whatever the outcome); absent while queued or running.
    pub completed_at: Option<DateTime<Utc>>,
    /// The report, once finished (`completed` or `partial`); its schema is
    /// docs/schemas/analysis-report.v1.json.
    #[schema(value_type = Option<Object>)]
    pub report: Option<Box<AnalysisReport>>,
}

/// `GET /v1/analyses` query: one page of the caller's analyses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalysisListQuery {
    /// Page size, 1–100 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The previous page's `next_cursor` (`a` and 32 hexadecimal digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^a[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

/// `GET /v1/analyses`: the analyses of the samples the caller uploaded, newest first, without
/// their reports (`GET /v1/analyses/{id}` has each one's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnalysisPage {
    /// The analyses (`report` always absent).
    pub analyses: Vec<AnalysisView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `GET /internal/v1/files/{sha256}/summary` (service token): what other services may know of
/// a stored sample without reading it: its detected type (the report's `type` name) and the
/// latest analysis' verdict hint and score, once finished. nexus-reputation reads it for the
/// file verdict's engine hint and the file type analysts' reputations are read for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSummary {
    /// The detected type (`pe`, `elf`, `pdf`, ...), once analysed.
    pub file_type: Option<String>,
    /// The latest analysis' verdict hint, once finished.
    pub verdict: Option<VerdictHint>,
    /// Its score, 0-100.
    pub score: Option<u8>,
    /// The malware family tag of the latest finished report, when one of its YARA matches names
    /// one (metadata `family` or `malware_family`); nexus-reputation scores the file's analysts
    /// per family with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// When the latest analysis finished: nexus-reputation's re-judgement counts its verdict as
    /// new evidence only when it is newer than the bounty's settlement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysed_at: Option<DateTime<Utc>>,
}

/// `GET /v1/files/{sha256}`: what the store knows about a sample, and its latest report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileView {
    /// SHA-256 (lower-case hex).
    #[schema(value_type = String)]
    pub sha256: Sha256,
    /// Size in bytes.
    pub size: u64,
    /// MD5, once analysed.
    pub md5: Option<String>,
    /// SHA-1, once analysed.
    pub sha1: Option<String>,
    /// ssdeep, once analysed.
    pub ssdeep: Option<String>,
    /// TLSH (`T1…`), once analysed and when the file is large and varied enough.
    pub tlsh: Option<String>,
    /// PE import hash, for PE files with imports.
    pub imphash: Option<String>,
    /// Detected type (`pe`, `elf`, ...), once analysed.
    pub file_type: Option<String>,
    /// How many times these bytes were uploaded.
    pub upload_count: i64,
    /// When anyone first uploaded these bytes.
    pub first_seen: DateTime<Utc>,
    /// When anyone last uploaded these bytes.
    pub last_seen: DateTime<Utc>,
    /// The most recent analysis (with its report when finished).
    pub latest_analysis: Option<AnalysisView>,
    /// Who may read the sample.
    #[serde(default)]
    pub visibility: SampleVisibility,
}

/// One sample similar to the one asked about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SimilarFile {
    /// The similar sample.
    #[schema(value_type = String)]
    pub sha256: Sha256,
    /// ssdeep match score 0–100 (100 = identical), when the two share a 7-gram.
    pub ssdeep_score: Option<u8>,
    /// TLSH distance (0 = identical; under ~100 is close), when the two share a TLSH band.
    pub tlsh_distance: Option<u32>,
    /// True when both are PE files with the same import hash.
    pub imphash_match: bool,
    /// Combined score 0–100: the best of the ssdeep score, `100 - tlsh_distance` and 50 for
    /// an equal imphash.
    pub score: u8,
}

/// `GET /v1/files/{sha256}/similar`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SimilarFiles {
    /// The sample asked about.
    #[schema(value_type = String)]
    pub sha256: Sha256,
    /// Similar samples, best score first.
    pub matches: Vec<SimilarFile>,
}

/// `POST /v1/rulesets` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreateRuleset {
    /// Unique name, `[a-z0-9_]{1,64}`; it becomes the rules' YARA namespace.
    #[schema(min_length = 1, max_length = 64, pattern = "^[a-z0-9_]{1,64}$")]
    pub name: String,
    /// YARA source text.
    #[schema(min_length = 1)]
    pub source: String,
}

/// A user ruleset as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RulesetView {
    /// Ruleset id (also the user-rules part of the rules version).
    pub id: i64,
    /// Name and YARA namespace.
    pub name: String,
    /// Who uploaded it (token subject).
    pub owner: String,
    /// The rules version that includes this ruleset (what analyses report as `ruleset_version`).
    pub ruleset_version: String,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

/// The `400` body of a ruleset (or retrohunt) whose YARA source does not compile: the usual
/// error fields plus where the first error is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RuleCompileErrorBody {
    /// `yara_compile_error`.
    pub code: String,
    /// The compiler's message.
    pub message: String,
    /// The request id.
    pub request_id: String,
    /// 1-based line of the first error in the submitted source.
    pub line: Option<u32>,
    /// 1-based column of the first error.
    pub column: Option<u32>,
}

/// `POST /v1/retrohunts` body: YARA rules to run over the samples the caller may read. Give
/// either `source` or the id of one of the caller's rulesets (`ruleset_id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreateRetrohunt {
    /// YARA source text (empty when `ruleset_id` is given).
    #[serde(default)]
    pub source: String,
    /// A stored ruleset the caller may read, to hunt with instead of `source`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole_number::optional"
    )]
    pub ruleset_id: Option<i64>,
}

/// Life of a retrohunt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetrohuntStatus {
    /// Waiting for a worker.
    Queued,
    /// Scanning.
    Running,
    /// Every sample was scanned.
    Completed,
    /// Stopped on an error (see `error`).
    Failed,
}

impl RetrohuntStatus {
    /// The stable lower-case name (also the database value).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
        }
    }

    /// Parses [`RetrohuntStatus::as_str`]'s output.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Queued, Self::Running, Self::Completed, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// One sample a retrohunt matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RetrohuntMatch {
    /// The matching sample.
    #[schema(value_type = String)]
    pub sha256: Sha256,
    /// The rules that matched (`namespace.rule`).
    pub rules: Vec<String>,
}

/// `GET /v1/retrohunts/{id}` (and the `202` of `POST /v1/retrohunts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RetrohuntView {
    /// The hunt's id: the `{id}` of `GET /v1/retrohunts/{id}`.
    pub id: Uuid,
    /// `queued` until a worker takes its first chunk, `running` between chunks, then
    /// `completed` or `failed`.
    pub status: RetrohuntStatus,
    /// Samples the hunt has walked so far (it scans only the ones its owner may read; the
    /// number of other samples is not disclosed). Equal to `scanned` once finished.
    pub total: i64,
    /// Samples scanned so far (readable by the owner).
    pub scanned: i64,
    /// Samples whose scan did not finish within the hunt's per-sample time budget (or failed);
    /// they have no matches in this hunt.
    #[serde(default)]
    pub skipped: i64,
    /// Bytes scanned so far (counted against the owner's daily quota).
    #[serde(default)]
    pub bytes_scanned: i64,
    /// Matches so far (at most the first 1,000).
    pub matches: Vec<RetrohuntMatch>,
    /// Why it failed, for `failed`.
    pub error: Option<String>,
    /// When `POST /v1/retrohunts` accepted it.
    pub created_at: DateTime<Utc>,
    /// When it completed or failed; absent while queued or running.
    pub completed_at: Option<DateTime<Utc>>,
}

/// Job: analyse a stored sample. Internal to the service (its workers consume it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisRequested {
    /// The analysis row to fill in.
    pub analysis_id: Uuid,
    /// The stored sample.
    pub sha256: Sha256,
}

impl Event for AnalysisRequested {
    const NAME: &'static str = "AnalysisRequested";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:analysis:jobs:v1";
}

/// A stage update of a running analysis. Live only (pub/sub): it may drop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisProgress {
    /// The analysis whose stage changed.
    pub analysis_id: Uuid,
    /// The sample it analyses.
    pub sha256: Sha256,
    /// Status at this point (`running`, or the final one).
    pub status: AnalysisStatus,
    /// The stage that just started (`fetch`, `engine`, `commit`) or `done`.
    pub stage: String,
}

impl Event for AnalysisProgress {
    const NAME: &'static str = "AnalysisProgress";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:analysis:progress:v1";
}

/// An analysis finished (completed, partial or failed). Durable (outbox), published once per
/// analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisCompleted {
    /// The analysis that finished.
    pub analysis_id: Uuid,
    /// The sample it analysed.
    pub sha256: Sha256,
    /// `completed`, `partial` or `failed`.
    pub status: AnalysisStatus,
    /// Verdict hint (`unknown` when failed).
    pub verdict: VerdictHint,
    /// Score 0–100.
    pub score: u8,
    /// The rules version used.
    pub ruleset_version: String,
    /// Who submitted the sample (token subject).
    pub submitted_by: String,
    /// Rules that matched (`namespace.rule`).
    pub yara_rules: Vec<String>,
}

impl Event for AnalysisCompleted {
    const NAME: &'static str = "AnalysisCompleted";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:analysis:events:v1";
}

/// A new user ruleset was stored: every instance compiles the new rules and swaps them in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesetPublished {
    /// The new ruleset's id (the user-rules version).
    pub ruleset_id: i64,
    /// The ruleset's name, also the YARA namespace of its rules.
    pub name: String,
}

impl Event for RulesetPublished {
    const NAME: &'static str = "RulesetPublished";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:analysis:rulesets:v1";
}

/// Job: continue a retrohunt from its stored cursor. Internal to the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrohuntRequested {
    /// The hunt to continue. Where it stopped (its cursor) is in the database, not in the
    /// job, so a chunk delivered twice is saved once.
    pub retrohunt_id: Uuid,
}

impl Event for RetrohuntRequested {
    const NAME: &'static str = "RetrohuntRequested";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:analysis:retrohunts:v1";
}
