//! PostgreSQL access shared by every service.
//!
//! - [`pool`]: a lazily connecting pool (a service starts, and reports not-ready, while the
//!   database is down) and [`pool::wait_until_reachable`], the start-up retry loop.
//! - [`migrate`]: the one embedded migration stream from `migrations/`
//!   (`<timestamp>_<service>_<what>.sql`, one schema per service), applied under sqlx's advisory
//!   lock so nine services starting together are safe.
//! - [`error`]: [`DbError`] classifies driver errors into not found, conflict (unique
//!   violation), unavailable (pool timeout, I/O) and other, so services map them to HTTP once.
//! - [`outbox`] and [`inbox`]: the transactional outbox (an event row written in the same
//!   transaction as the state change) and the consumer inbox (an event id recorded in the same
//!   transaction as the consumer's effect) that together give exactly-once effects over an
//!   at-least-once bus.
//!
//! - [`lease`]: [`SessionLease`], one holder among replicas (a session-level advisory lock).
//! - [`testing`]: fresh migrated databases for tests, cloned from a template.
//!
//! Architecture invariant: no SQL about a service's own data lives here; each service keeps its
//! queries in its `store` module. This crate knows only the shared outbox/inbox tables, whose
//! schema is always a [`Schema`] named in code, never user input.

pub mod error;
pub mod inbox;
pub mod lease;
pub mod migrate;
pub mod outbox;
pub mod pool;
mod schema;
pub mod testing;

pub use error::DbError;
pub use inbox::Inbox;
pub use lease::SessionLease;
pub use outbox::{Outbox, PendingEvent};
pub use pool::{connect_lazy, wait_until_reachable};
pub use schema::Schema;
pub use sqlx::PgPool;
