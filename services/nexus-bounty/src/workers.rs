//! The bounty service's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! None yet. Planned:
//! - the transaction sender (one per relayer key, under a lease), sending queued intents and
//!   following their receipts
//! - the scheduler (resolve after the reveal window, refund after expiry, slash the unrevealed)
//! - the consumer of the chain listener's events

use std::sync::Arc;

use nexus_runtime::Workers;

use crate::BountyService;

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<BountyService>, workers: &mut Workers) {
    let _ = (service, workers);
}
