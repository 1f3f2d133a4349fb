//! What the notification service consumes: events of the other services: analyses completed, bounty
//! and stake changes (from the chain listener), reputation and trust-level changes, referrals, and
//! nexus-auth's security events; each applied once through the inbox.
//!
//! Each consumer is a `nexus_bus::Handler` here, registered in [`crate::workers`]; its effect
//! and the inbox record of the envelope id commit in one transaction (a [`crate::store`]
//! method) before the entry is acknowledged. What the service publishes is typed in
//! nexus-proto and written through [`Store::enqueue`](crate::store::Store::enqueue).
