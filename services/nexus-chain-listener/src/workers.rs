//! The chain listener's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! None yet. Planned:
//! - the chain follower (new heads, `eth_getLogs` in shrinking ranges, confirmation depth, reorg
//!   walk-back), resuming from its checkpoint

use std::sync::Arc;

use nexus_runtime::Workers;

use crate::ChainListenerService;

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<ChainListenerService>, workers: &mut Workers) {
    let _ = (service, workers);
}
