//! The bounty service's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! - `relayer`: the transaction sender of the configured relayer key ([`crate::relayer::run`]):
//!   one sender per key across replicas (a PostgreSQL advisory lock), sending queued calls and
//!   following their receipts; without a key it relays nothing and waits for shutdown.
//!
//! Still to come: the consumer of the chain listener's events and the scheduler (resolve after
//! the reveal window, refund after expiry, slash the unrevealed), docs/BOUNTIES.md.

use std::sync::Arc;

use nexus_runtime::Workers;

use crate::BountyService;
use crate::relayer;

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<BountyService>, workers: &mut Workers) {
    workers.add("relayer", move |shutdown| {
        relayer::run(
            service.store.clone(),
            service.settings.relayer.clone(),
            service.settings.chain.clone(),
            shutdown,
        )
    });
}
