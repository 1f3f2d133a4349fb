//! What the chain listener consumes: nothing from the bus. Its input is the chain itself (new
//! heads, then `eth_getLogs` in block ranges), read by the follower in [`crate::workers`].
//!
//! It is the bus's source for chain facts instead: each confirmed log becomes a typed event
//! (`BountyOpened`, `BountyResolved`, `Slashed`, ...; nexus-proto) written through
//! [`Store::enqueue`](crate::store::Store::enqueue) in the transaction that stores the log, so
//! an event exists exactly when its log is stored, and a reorg's undo is announced the same way.
//! Should it ever consume a stream, the handler lives here, with the inbox record of the envelope
//! id committed with its effect.
