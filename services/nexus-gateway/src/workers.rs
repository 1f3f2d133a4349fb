//! Every background loop of the gateway, registered in one place ([`Service::workers`]) with
//! the service handed over, so each loop shares the state the handlers see:
//!
//! - `revocations`: keeps the revocation marks current (a full re-read every interval, the live
//!   announcements in between); requests are refused while they are too old.
//! - `revocation-evictions`: drops the cached API-key identities and tokens each new revocation
//!   voids.
//! - `ws_hub`: the WebSocket hub (stream readers per topic, heartbeats, engine presence).
//!
//! [`Service::workers`]: nexus_runtime::Service::workers

use std::sync::Arc;

use nexus_runtime::Workers;

use crate::GatewayService;

/// Registers the gateway's loops on `workers`.
pub fn register(gateway: Arc<GatewayService>, workers: &mut Workers) {
    let revocations = gateway.authenticator.revocations().clone();
    let bus = gateway.bus.clone();
    workers.add("revocations", move |shutdown| {
        revocations.run(bus, shutdown)
    });

    // Subscribed now, before anything runs, so no revocation slips between.
    let revoked = gateway.authenticator.revocations().subscribe();
    let authenticator = gateway.authenticator.clone();
    workers.add("revocation-evictions", move |shutdown| {
        authenticator.evict_revoked(revoked, shutdown)
    });

    workers.add("ws_hub", move |shutdown| async move {
        gateway.hub.run(shutdown).await;
        Ok(())
    });
}
