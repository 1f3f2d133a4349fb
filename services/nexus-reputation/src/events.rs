//! What the reputation service consumes: the chain listener's settlement events (`BountyResolved`,
//! `Slashed`, `DisputeDecided`, ...), each applied once through the inbox.
//!
//! Each consumer is a `nexus_bus::Handler` here, registered in [`crate::workers`]; its effect
//! and the inbox record of the envelope id commit in one transaction (a [`crate::store`]
//! method) before the entry is acknowledged. What the service publishes is typed in
//! nexus-proto and written through [`Store::enqueue`](crate::store::Store::enqueue).
