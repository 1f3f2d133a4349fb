//! Every background loop of nexus-auth, registered in one place ([`Service::workers`]) with the
//! service handed over, so each loop shares the state the handlers see:
//!
//! - `authorization-denial-audit`: [`DenialAuditor`] on [`AuthorizationDenied`] (group
//!   [`DENIAL_AUDIT_GROUP`]).
//! - `role-change-audit`: [`RoleChangeAuditor`] on [`UserRoleChanged`] (group
//!   [`ROLE_AUDIT_GROUP`]).
//! - `policy-reload`: [`follow_published_policies`], another instance's publications.
//! - `revocation-reconcile`: the marks of recently revoked API keys pushed to Redis again every
//!   [`RECONCILE_INTERVAL`].
//!
//! The outbox relay that publishes the service's events is the runtime's (`Service::SCHEMA`).
//!
//! [`Service::workers`]: nexus_runtime::Service::workers
//! [`AuthorizationDenied`]: nexus_proto::auth::AuthorizationDenied
//! [`UserRoleChanged`]: nexus_proto::user::UserRoleChanged

use std::sync::Arc;

use nexus_bus::{Bus, ConsumerParams, Handler};
use nexus_proto::Event;
use nexus_runtime::Workers;
use nexus_runtime::revocation::{self, RevocationSettings};

use crate::AuthService;
use crate::events::{
    DENIAL_AUDIT_GROUP, DenialAuditor, ROLE_AUDIT_GROUP, RoleChangeAuditor,
    follow_published_policies,
};
use crate::revocations::RECONCILE_INTERVAL;

/// Registers the service's loops on `workers`.
pub fn register(service: Arc<AuthService>, workers: &mut Workers) {
    consume(
        workers,
        "authorization-denial-audit",
        &service.bus,
        DENIAL_AUDIT_GROUP,
        DenialAuditor::new(Arc::clone(&service)),
    );
    consume(
        workers,
        "role-change-audit",
        &service.bus,
        ROLE_AUDIT_GROUP,
        RoleChangeAuditor::new(Arc::clone(&service)),
    );

    let policies = Arc::clone(&service);
    workers.add("policy-reload", move |shutdown| {
        follow_published_policies(policies, shutdown)
    });

    workers.add("revocation-reconcile", move |shutdown| {
        let retention = RevocationSettings::default().retention;
        let bus = service.bus.clone();
        revocation::republish_recent(bus, RECONCILE_INTERVAL, retention, shutdown, move |since| {
            let service = Arc::clone(&service);
            async move { service.recent_revocations(since).await }
        })
    });
}

/// Registers a consumer of `H::Event`'s stream in `group`, under a consumer name of its own.
fn consume<H>(workers: &mut Workers, name: &str, bus: &Bus, group: &'static str, handler: H)
where
    H: Handler + 'static,
{
    let consumer_name = format!("nexus-auth-{}", uuid::Uuid::now_v7().simple());
    let bus = bus.clone();
    workers.add(name, move |shutdown| async move {
        let params = ConsumerParams::new(H::Event::STREAM, group, consumer_name);
        let consumer = bus.consumer(params).await?;
        consumer.run(handler, shutdown).await;
        Ok(())
    });
}
