//! The reputation service's SQL (schema `reputation`): parameterized only, checked at compile time
//! (`sqlx::query!`, offline data in `.sqlx/`), multi-step writes in one transaction together
//! with their outbox events. Handlers and workers call [`Store`] methods; they never open a
//! transaction or write SQL themselves.
//!
//! One file per table group (`migrations/20261208040000_reputation_scores.sql`):
//! - `scores.rs`: chain facts, scored assertions, analysts' aggregates and history, with their
//!   outbox events (`ReputationChanged`, `TrustLevelChanged`)
//! - `owners.rs`: which account each analyst wallet belongs to (asked of nexus-user by a worker)
//! - `reads.rs`: what the API shows (an account's assertions, its history, board sums)
//! - `verdicts.rs`: what the file verdict reads (a file's bounties, their reveals, pair agreement)
//! - `referrals.rs`: referral completion checks and bonuses (`reputation.referral_checks`,
//!   `20261208120100_reputation_referrals.sql`)
//! - `judging.rs`: file bounties' types (`reputation.file_types`) and the 30/90-day
//!   re-judgements (`reputation.rejudgements`, `20261208120000_reputation_file_types_rejudgements.sql`)

mod judging;
mod owners;
mod reads;
mod referrals;
mod scores;
mod verdicts;

pub use judging::{DueBounty, FileTypeCheck, Rejudgement, TypeSource};
pub use owners::{OwnerCheck, OwnerFound};
pub use reads::{BoardScore, HistoryRow, UserBoardSums};
pub use referrals::ReferralCheck;
pub use scores::{Applied, Touched};
pub use verdicts::{FileReveal, PairRow};

use nexus_db::{DbError, Inbox, Outbox, PgPool, Schema};

use crate::error::ReputationError;

/// The schema this service owns.
pub const SCHEMA: &str = "reputation";

/// The consumer name the chain events are recorded under in the inbox.
pub const CHAIN_CONSUMER: &str = "reputation-scores";

/// The database side of the reputation service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
    inbox: Inbox,
}

impl Store {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Result<Self, ReputationError> {
        let schema = Schema::new(SCHEMA).ok_or_else(|| {
            ReputationError::Internal(format!("the schema name {SCHEMA:?} is invalid"))
        })?;
        Ok(Self {
            pool,
            outbox: Outbox::new(schema),
            inbox: Inbox::new(schema),
        })
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The schema's outbox: store methods write their events with
    /// `enqueue_event(&mut transaction, event, traceparent)` on the transaction of the change
    /// they announce, so the event exists if and only if the change commits.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// The schema's inbox: the envelope ids already applied.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }
}

/// `error` as the service's error.
pub(crate) fn db(error: sqlx::Error) -> ReputationError {
    ReputationError::Db(DbError::from(error))
}
