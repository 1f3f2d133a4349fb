//! Pure rules of the reputation service: no I/O, no framework, unit- and property-tested next to
//! the code. Planned: leaderboard periods and kinds, trust-level thresholds and what each unlocks,
//! history cursors (the scoring math is in nexus-core, property-tested).
//!
//! One file per concept (`domain/<concept>.rs`), each with its own error type that
//! [`ReputationError`](crate::error::ReputationError) wraps.
