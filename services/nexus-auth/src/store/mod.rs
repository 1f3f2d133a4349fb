//! The auth schema's SQL (parameterized queries only), one module per table group.
//!
//! - [`audit`]: `audit_log` rows and the admin listing.
//! - [`mfa`]: TOTP secrets and recovery codes.
//! - [`api_keys`]: API keys.
//! - [`policies`]: published policy versions.

pub mod api_keys;
pub mod audit;
pub mod mfa;
pub mod policies;

use nexus_db::{Inbox, Outbox, Schema};
use sqlx::PgPool;

/// The auth schema's name.
pub const SCHEMA: &str = "auth";

/// Handle on the auth schema.
#[derive(Debug, Clone)]
pub struct Store {
    /// The pool.
    pub pool: PgPool,
    /// The auth outbox.
    pub outbox: Outbox,
    /// The auth inbox.
    pub inbox: Inbox,
}

impl Store {
    /// The store on `pool`.
    pub fn new(pool: PgPool) -> Option<Self> {
        let schema = Schema::new(SCHEMA)?;
        Some(Self {
            pool,
            outbox: Outbox::new(schema),
            inbox: Inbox::new(schema),
        })
    }
}
