//! What the scanner service consumes: its own scan jobs (the durable queue pattern of nexus-
//! analysis) and the chain listener's `BountyOpened` for contract artifacts.
//!
//! Each consumer is a `nexus_bus::Handler` here, registered in [`crate::workers`]; its effect
//! and the inbox record of the envelope id commit in one transaction (a [`crate::store`]
//! method) before the entry is acknowledged. What the service publishes is typed in
//! nexus-proto and written through [`Store::enqueue`](crate::store::Store::enqueue).
