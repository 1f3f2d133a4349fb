//! Pure rules of the bounty service: no I/O, no framework, unit- and property-tested next to the
//! code. Planned: request checks that need no I/O: terms within the governed parameters, artifact
//! references, intent deadlines (the lifecycle state machine and settlement math are in nexus-core,
//! shared with the chain listener and reputation).
//!
//! One file per concept (`domain/<concept>.rs`), each with its own error type that
//! [`BountyError`](crate::error::BountyError) wraps.
