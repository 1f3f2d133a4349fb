//! What the chain listener consumes: nothing from the bus. Its input is the chain itself (new
//! heads, then `eth_getLogs` in block ranges), read by the follower ([`crate::follower`]).
//!
//! It is the bus's source for chain facts instead: each confirmed log becomes a typed event
//! (`BountyOpened`, `BountyResolved`, `Slashed`, ...; `nexus_proto::chain`) written through the
//! outbox by [`Store::ingest`](crate::store::Store::ingest) in the transaction that stores the
//! log, so an event exists exactly when its log is stored, and a reorg's undo
//! (`ChainEventsRetracted`) is announced the same way by
//! [`Store::roll_back`](crate::store::Store::roll_back). Should it ever consume a stream, the
//! handler lives here, with the inbox record of the envelope id committed with its effect.
