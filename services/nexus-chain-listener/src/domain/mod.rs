//! Pure rules of the chain listener: no I/O, no framework, unit- and property-tested next to the
//! code.
//!
//! - [`range`]: which block range to read next, shrinking when the node refuses a large one and
//!   growing back after successes.
//! - [`follow`]: the confirmed height, and the walk back to the common ancestor after a reorg.
//! - [`decode`]: a contract log (alloy `sol!` types from `nexus_chain::bindings`) into the fact
//!   it states, with hex spelt the platform's way.
//! - [`settlement`]: each analyst's outcome, payout and slash of a resolved bounty
//!   (`nexus_core::settlement`, the contract's twin).
//! - [`proposal`]: a governance proposal's state (the Governor's rules over the stored logs, the
//!   clock and the quorum), its id and the list cursors.

pub mod decode;
pub mod follow;
pub mod proposal;
pub mod range;
pub mod settlement;
