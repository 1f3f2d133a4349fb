//! The notification service's SQL (schema `notification`): parameterized only, checked at compile
//! time (`sqlx::query!`, offline data in `.sqlx/`), multi-step writes in one transaction together
//! with their outbox events. Handlers and workers call [`Store`] methods; they never open a
//! transaction or write SQL themselves.
//!
//! One file per table group, added with the tables (`migrations/*_notification_*.sql`):
//! - `inbox.rs`: a source event's notices, in one transaction with the envelope's inbox record,
//!   handed to the channels (inbox row and `NoticeCreated`, e-mail queue, webhook messages); the
//!   inbox reads and read marks
//! - `preferences.rs`: preferences per kind and the per-user settings (uploads, interests)
//! - `follows.rs`: followed files and the last verdict known of each
//! - `email.rs`: the e-mail queue (EMAIL)
//! - `webhooks.rs`: endpoints, secrets and the delivery log (WEBHOOKS)

pub(crate) mod email;
mod follows;
mod inbox;
mod preferences;
pub(crate) mod webhooks;

pub use follows::FollowRow;
pub use inbox::{Audience, Delivered, NoticeRow, Plan};
pub use preferences::UserSettings;

use nexus_db::{DbError, Inbox, Outbox, PgPool, Schema};

use crate::error::NotificationError;

/// The schema this service owns.
pub const SCHEMA: &str = "notification";

/// The database side of the notification service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
    inbox: Inbox,
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

    /// The schema's inbox: the envelope ids already applied, per consumer.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }
}

/// `error` as the service's error.
pub(crate) fn db(error: sqlx::Error) -> NotificationError {
    NotificationError::Db(DbError::from(error))
}
