//! The analysis service's SQL (schema `analysis`), checked against the migrations at compile
//! time; multi-step writes run in one transaction with their outbox events, so callers never
//! open one.
//!
//! - [`samples`]: visibility facts, sample rows and the similarity indexes.
//! - [`uploads`]: recording an upload with its queued analysis.
//! - [`analyses`]: queuing, finishing and reading analyses; the queue depth.
//! - [`hunts`]: retrohunts (quotas, the walk, chunks, views).
//! - [`rulesets`]: user YARA rulesets.
//! - [`jobs`]: the job guarantees' progress marks, the reconciliation loop's queries and
//!   re-queues.

pub mod analyses;
pub mod hunts;
pub mod jobs;
pub mod rulesets;
pub mod samples;
pub mod uploads;

pub use analyses::{Job, Outcome, Queued, verdict_label};
pub use hunts::{HuntCandidate, NewRetrohunt, RetrohuntChunk, RetrohuntJob, RetrohuntUsage};
pub use rulesets::RulesetRow;
pub use samples::{SIMILAR_CANDIDATES_SQL, SampleRow};
pub use uploads::{NewUpload, UploadRecorded};

use nexus_core::Sha256;
use nexus_db::{Outbox, PgPool, Schema};

use crate::error::AnalysisError;

/// The schema this service owns.
pub const SCHEMA: &str = "analysis";

/// The database side of the analysis service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
}

impl Store {
    /// A store over `pool`; `None` only if [`SCHEMA`] were not a valid schema name.
    pub fn new(pool: PgPool) -> Option<Self> {
        let schema = Schema::new(SCHEMA)?;
        Some(Self {
            pool,
            outbox: Outbox::new(schema),
        })
    }

    /// The connection pool, for callers that read outside the store (the rules reload).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// A `sha256` column's text as a [`Sha256`]. Every row was written from one, so other text is
/// a corrupt row (500 with the cause logged), never a bad request.
fn stored_sha256(text: String) -> Result<Sha256, AnalysisError> {
    Sha256::try_from(text)
        .map_err(|error| AnalysisError::Corrupt(format!("a stored sample address: {error}")))
}
