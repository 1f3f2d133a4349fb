//! Pure rules of the chain listener: no I/O, no framework, unit- and property-tested next to the
//! code. Planned: the pure parts of following a chain: which range to read next, when a block is
//! confirmed, where a reorg's common ancestor is, how a log decodes into an event.
//!
//! One file per concept (`domain/<concept>.rs`), each with its own error type that
//! [`ChainListenerError`](crate::error::ChainListenerError) wraps.
