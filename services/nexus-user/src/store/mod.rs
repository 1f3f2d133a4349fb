//! The user service's SQL (schema `users`), parameterized only, multi-step writes in one
//! transaction with their outbox events.
//!
//! - [`accounts`]: registration (with the referral), lookups, profile, role, rehash.
//! - [`wallets`]: linked wallets.
//! - [`ws_keys`]: Ed25519 WebSocket keys.
//! - [`referrals`]: listing and completing referrals.
//! - [`security`]: status, the token revocation mark, password changes and resets.
//!
//! Unique-constraint names from the migration are mapped to named errors here.

pub mod accounts;
pub mod referrals;
pub mod security;
pub mod wallets;
pub mod ws_keys;

use nexus_db::{Outbox, PgPool, Schema};

use crate::error::UserError;

/// The schema this service owns.
pub const SCHEMA: &str = "users";

/// The database side of the user service.
#[derive(Debug, Clone)]
pub struct Store {
    pool: PgPool,
    outbox: Outbox,
}

impl Store {
    /// A store over `pool`.
    pub fn new(pool: PgPool) -> Result<Self, UserError> {
        let schema = Schema::new(SCHEMA)
            .ok_or_else(|| UserError::Internal("the users schema name is invalid".into()))?;
        Ok(Self {
            pool,
            outbox: Outbox::new(schema),
        })
    }
}
