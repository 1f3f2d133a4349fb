//! Identity across services: nexus-auth signing in real accounts of nexus-user, both started
//! in-process on one database and Redis namespace, through real HTTP. Time-dependent defences
//! (lockout, per-IP limit, TOTP steps) run on the auth service's fake clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "identity/credentials.rs"]
mod credentials;
#[path = "identity/helpers.rs"]
mod helpers;
#[path = "identity/lockout.rs"]
mod lockout;
#[path = "identity/mfa.rs"]
mod mfa;
#[path = "identity/security_events.rs"]
mod security_events;
#[path = "identity/sessions.rs"]
mod sessions;
