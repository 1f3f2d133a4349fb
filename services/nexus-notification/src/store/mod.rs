//! The notification service's SQL (schema `notification`): parameterized only, checked at compile
//! time (`sqlx::query!`, offline data in `.sqlx/`), multi-step writes in one transaction together
//! with their outbox events. Handlers and workers call [`Store`] methods; they never open a
//! transaction or write SQL themselves.
//!
//! One file per table group, added with the tables (`migrations/*_notification_*.sql`):
//! - `inbox.rs`: notices and read state
//! - `preferences.rs`: preferences and follows
//! - `webhooks.rs`: endpoints, secrets and the delivery log

pub(crate) mod webhooks;

use nexus_db::{Outbox, PgPool, Schema};

use crate::error::NotificationError;

/// The schema this service owns.
pub const SCHEMA: &str = "notification";

/// The database side of the notification service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
}

impl Store {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Result<Self, NotificationError> {
        let schema = Schema::new(SCHEMA).ok_or_else(|| {
            NotificationError::Internal(format!("the schema name {SCHEMA:?} is invalid"))
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

    /// The schema's outbox: store methods write their events with
    /// `enqueue_event(&mut transaction, event, traceparent)` on the transaction of the change
    /// they announce, so the event exists if and only if the change commits.
    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }
}
