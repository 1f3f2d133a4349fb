//! Pure rules of the bounty service: no I/O, no framework, unit-tested next to the code. The
//! life-cycle state machine, artifacts, terms and settlement math are in `nexus_core::bounty`
//! and `nexus_core::settlement`, shared with the chain listener and reputation.
//!
//! - [`access`]: a bounty as the Cedar policies see it (its phase mapped to their statuses).
//! - [`chain_events`]: the chain listener's events as life-cycle inputs.
//! - [`comments`]: a comment's text rules, and the cursors of comments and own assertions.
//! - [`cursor`]: the list's keyset cursor.
//! - [`earnings`]: the chain's earnings facts and their sums per period.
//! - [`intent`]: signed intents and permits from request bodies, parsed and checked.
//! - [`status`]: the phase and its wire twin.
//! - [`terms`]: a posted bounty's artifact and terms, read from the wire and checked.

pub mod access;
pub mod chain_events;
pub mod comments;
pub mod cursor;
pub mod earnings;
pub mod intent;
pub mod status;
pub mod terms;
