//! The bounty service's SQL (schema `bounty`): parameterized only, checked at compile time
//! (`sqlx::query!`, offline data in `.sqlx/`), multi-step writes in one transaction together
//! with their outbox events. Handlers and workers call [`Store`] methods; they never open a
//! transaction or write SQL themselves.
//!
//! One file per table group, added with the tables (`migrations/*_bounty_*.sql`):
//! - `actions.rs`: the analysts' relayed actions (settlement facts, the queued call's job)
//! - `bounties.rs`: bounties, artifacts and their read model
//! - `lifecycle.rs`: confirmed chain events applied to the read model
//! - `schedule.rs`: the scheduler's due calls, queued on the relayer's queue, and the facts
//!   they wait for (treasury payments, unstake requests)
//! - `transactions.rs`: the relayer's queue and nonces
//! - `comments.rs`: comments
//! - `earnings.rs`: earnings facts, the account's own views and the pending `EarningsChanged`

mod actions;
mod bounties;
mod comments;
mod earnings;
mod lifecycle;
mod schedule;
mod transactions;

pub use actions::SettlementFacts;
pub use bounties::{AssertionRow, BountyRow, CreateCall, ListAfter, ListFilter, NewBounty};
pub use comments::CommentRow;
pub use earnings::{MyAssertionRow, PendingNotification};
pub use lifecycle::{ChainApplied, ChainInput};
pub use schedule::{DueCall, DueWithdrawal, Recorded, UnstakeState};

use nexus_db::{Inbox, Outbox, PgPool, Schema};

use crate::error::BountyError;

/// The schema this service owns.
pub const SCHEMA: &str = "bounty";

/// The database side of the bounty service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
    inbox: Inbox,
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

    /// The schema's inbox: consumers record each envelope id in the transaction of its effect.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }
}
