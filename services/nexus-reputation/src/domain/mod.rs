//! Pure rules of the reputation service: no I/O, no framework, unit-tested next to the code (the
//! scoring math itself is nexus-core's `reputation`, property-tested there).
//!
//! - [`projection`]: a bounty's scored assertions from its stored chain facts.
//! - [`leaderboard`]: boards, periods, kinds and their Redis key names.
//! - [`cursor`]: the history's page cursor.
//! - [`trust`]: trust levels and their unlocks as the API shows them.
//! - [`ground_truth`]: what counts as new evidence at a 30/90-day re-judgement.

pub mod cursor;
pub mod ground_truth;
pub mod leaderboard;
pub mod projection;
pub mod trust;
