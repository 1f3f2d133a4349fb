//! The chain listener's SQL (schema `chain`): parameterized only, checked at compile time
//! (`sqlx::query!`, offline data in `.sqlx/`), multi-step writes in one transaction together
//! with their outbox events. Handlers and workers call [`Store`] methods; they never open a
//! transaction or write SQL themselves. Amounts are `numeric(78)` columns (a `uint256` fits),
//! written and read as decimal text.
//!
//! Files (tables from `migrations/20261207140000_chain_listener_follower.sql`):
//! - [`blocks`]: checkpoints, block headers, the reorganisation rollback and its compensating
//!   event.
//! - [`ingest`]: one read range in one transaction: logs, projections (bounties, assertions,
//!   stakes, parameters), their events and the new checkpoint.
//! - [`read`]: what the read API serves.
//! - [`proposals`]: the governance proposals projection (proposals, votes, lifecycle changes;
//!   `migrations/20261207200000_chain_proposals.sql`); [`proposals_read`]: what its read API
//!   serves.

pub mod blocks;
pub mod ingest;
pub mod proposals;
pub mod proposals_read;
pub mod read;

use nexus_db::{Outbox, PgPool, Schema};

use crate::error::ChainListenerError;

/// The schema this service owns.
pub const SCHEMA: &str = "chain";

/// The database side of the chain listener.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
}

impl Store {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Result<Self, ChainListenerError> {
        let schema = Schema::new(SCHEMA).ok_or_else(|| {
            ChainListenerError::Internal(format!("the schema name {SCHEMA:?} is invalid"))
        })?;
        Ok(Self {
            pool,
            outbox: Outbox::new(schema),
        })
    }

    /// The pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The schema's outbox: store methods write their events on the transaction of the change
    /// they announce, so the event exists if and only if the change commits.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }
}

/// A `u64` block number or id as the `bigint` it is stored as. Chain numbers stay far below
/// 2^63; one above is refused rather than wrapped.
pub(crate) fn big(value: u64) -> Result<i64, nexus_db::DbError> {
    i64::try_from(value).map_err(|_| {
        nexus_db::DbError::Query(sqlx::Error::Protocol(format!(
            "{value} does not fit a bigint column"
        )))
    })
}

/// A stored `bigint` back as the `u64` it was written from (never negative: the columns check).
pub(crate) fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}
