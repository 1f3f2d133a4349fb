//! Every background loop of nexus-user, registered in one place ([`Service::workers`]) with the
//! service handed over, so each loop shares the state the handlers see:
//!
//! - `revocation-reconcile`: the account revocation marks of the last retention period pushed
//!   to Redis again every [`RECONCILE_INTERVAL`], so a failed announcement or a Redis that lost
//!   its data still reaches the gateways.
//!
//! The outbox relay that publishes the service's events is the runtime's (`Service::SCHEMA`).
//!
//! [`Service::workers`]: nexus_runtime::Service::workers

use std::sync::Arc;

use nexus_runtime::Workers;
use nexus_runtime::revocation::{self, RevocationSettings};

use crate::UserService;
use crate::revocations::RECONCILE_INTERVAL;

/// Registers the service's loops on `workers`.
pub fn register(service: Arc<UserService>, workers: &mut Workers) {
    workers.add("revocation-reconcile", move |shutdown| {
        let retention = RevocationSettings::default().retention;
        let bus = service.bus.clone();
        revocation::republish_recent(bus, RECONCILE_INTERVAL, retention, shutdown, move |since| {
            let service = Arc::clone(&service);
            async move { service.recent_revocations(since).await }
        })
    });
}
