//! Pure rules of the bounty service: no I/O, no framework, unit-tested next to the code. The
//! life-cycle state machine, artifacts, terms and settlement math are in `nexus_core::bounty`
//! and `nexus_core::settlement`, shared with the chain listener and reputation.
//!
//! - [`access`]: a bounty as the Cedar policies see it (its phase mapped to their statuses).
//! - [`chain_events`]: the chain listener's events as life-cycle inputs.
//! - [`cursor`]: the list's keyset cursor.
//! - [`intent`]: signed intents and permits from request bodies, parsed and checked.
//! - [`status`]: the phase and its wire twin.

pub mod access;
pub mod chain_events;
pub mod cursor;
pub mod intent;
pub mod status;
