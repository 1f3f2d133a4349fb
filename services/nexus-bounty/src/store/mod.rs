//! The bounty service's SQL (schema `bounty`): parameterized only, checked at compile time
//! (`sqlx::query!`, offline data in `.sqlx/`), multi-step writes in one transaction together
//! with their outbox events. Handlers and workers call [`Store`] methods; they never open a
//! transaction or write SQL themselves.
//!
//! One file per table group, added with the tables (`migrations/*_bounty_*.sql`):
//! - `bounties.rs`: bounties, artifacts and their read model
//! - `transactions.rs`: the relayer's queue and nonces
//! - `comments.rs`: comments

use nexus_db::{Outbox, PgPool, Schema};
use nexus_proto::{Envelope, Event};
use sqlx::PgConnection;

use crate::error::BountyError;

/// The schema this service owns.
pub const SCHEMA: &str = "bounty";

/// The database side of the bounty service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
}

impl Store {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Result<Self, BountyError> {
        let schema = Schema::new(SCHEMA).ok_or_else(|| {
            BountyError::Internal(format!("the schema name {SCHEMA:?} is invalid"))
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

    /// Writes `event` to the outbox on `connection`, which must be the transaction of the
    /// change it announces: the event exists if and only if the change commits.
    pub async fn enqueue<E: Event>(
        &self,
        connection: &mut PgConnection,
        event: E,
        traceparent: Option<&str>,
    ) -> Result<(), BountyError> {
        let envelope = Envelope::new(event).with_traceparent(traceparent.map(str::to_owned));
        self.outbox.enqueue(connection, &envelope).await?;
        Ok(())
    }
}
