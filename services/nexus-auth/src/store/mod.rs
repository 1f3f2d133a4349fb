//! The auth service's SQL (schema `auth`), parameterized and checked at compile time, multi-step
//! writes in one transaction with their audit rows and outbox events.
//!
//! - [`audit`]: `audit_log` rows and the admin listing; [`audit::insert`] joins the
//!   transaction of the change it records.
//! - [`mfa`]: TOTP secrets (as stored, encrypted) and recovery codes.
//! - [`api_keys`]: API keys, their use and their revocation marks.
//! - [`security`]: the `AccountSecurityEvent`s of API-key, TOTP, lockout and sign-in changes.
//! - [`policies`]: published Cedar policy versions and their `PoliciesPublished` event.

pub mod api_keys;
pub mod audit;
pub mod mfa;
pub mod policies;
pub mod security;

use nexus_db::{Outbox, PgPool, Schema};

use crate::error::AuthError;

/// The schema this service owns.
pub const SCHEMA: &str = "auth";

/// The database side of the auth service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
}

impl Store {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Result<Self, AuthError> {
        let schema = Schema::new(SCHEMA)
            .ok_or_else(|| AuthError::Internal("the auth schema name is invalid".into()))?;
        Ok(Self {
            pool,
            outbox: Outbox::new(schema),
        })
    }
}
