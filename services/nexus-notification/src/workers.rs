//! The notification service's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! None yet. Planned:
//! - one consumer per source stream
//! - the e-mail sender and the daily digest
//! - webhook delivery with its retry schedule

use std::sync::Arc;

use nexus_runtime::Workers;

use crate::NotificationService;

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<NotificationService>, workers: &mut Workers) {
    let _ = (service, workers);
}
