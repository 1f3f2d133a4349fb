//! What the bounty service consumes: the chain listener's confirmed events (`BountyOpened`,
//! `AssertionCommitted`, `AssertionRevealed`, `BountyResolved`, `RewardClaimed`, `BountyRefunded`,
//! `DisputeOpened`, `DisputeDecided`), applied once each through the inbox, to build the bounty
//! read model.
//!
//! Each consumer is a `nexus_bus::Handler` here, registered in [`crate::workers`]; its effect
//! and the inbox record of the envelope id commit in one transaction (a [`crate::store`]
//! method) before the entry is acknowledged. What the service publishes is typed in
//! nexus-proto and written through [`Store::enqueue`](crate::store::Store::enqueue).
