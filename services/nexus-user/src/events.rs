//! Events nexus-user consumes: none yet.
//!
//! The first will be the qualifying step of a referral (e.g. the referred user's first bounty,
//! from nexus-bounty): its handler calls
//! [`Store::complete_referral`](crate::store::Store::complete_referral) with the event's trace
//! parent, and its consumer is registered in [`crate::workers`].
