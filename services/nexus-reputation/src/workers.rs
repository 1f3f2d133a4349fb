//! The reputation service's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! None yet. Planned:
//! - the consumer of settlement events
//! - the leaderboard rebuild from PostgreSQL
//! - the re-judgement of assertions whose file verdict changed

use std::sync::Arc;

use nexus_runtime::Workers;

use crate::ReputationService;

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<ReputationService>, workers: &mut Workers) {
    let _ = (service, workers);
}
