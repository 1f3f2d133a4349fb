//! The scanner service's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! None yet. Planned:
//! - the scan job consumers running the engine on the blocking pool
//! - the consumer that queues a scan for each contract bounty

use std::sync::Arc;

use nexus_runtime::Workers;

use crate::ScannerService;

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<ScannerService>, workers: &mut Workers) {
    let _ = (service, workers);
}
