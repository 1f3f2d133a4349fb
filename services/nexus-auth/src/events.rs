//! Events nexus-auth consumes, and the workers that consume them.
//!
//! - [`AuthorizationDenied`] (stream `nexus:auth:denials:v1`, group `auth-audit`): one audit row
//!   per event, keyed by the envelope id, so a redelivery changes nothing.
//! - [`UserRoleChanged`] (stream `nexus:user:accounts:v1`, group `auth-role-audit`): one audit
//!   row per role change, keyed by the envelope id.
//! - [`PoliciesPublished`] (live pub/sub): another auth instance published; reload the active
//!   version from PostgreSQL. The outbox relay publishes it live as well as on the stream.

use std::sync::Arc;

use futures_util::StreamExt;
use nexus_bus::{Bus, ConsumerParams, Delivery, Handler, HandlerError};
use nexus_policy::{LivePolicies, Policies};
use nexus_proto::auth::{AuthorizationDenied, PoliciesPublished};
use nexus_proto::user::UserRoleChanged;
use nexus_proto::{Envelope, Event};
use nexus_runtime::Setup;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::AuthService;
use crate::store::Store;
use crate::store::audit::{AuditKind, AuditRecord};

/// Consumer group of the denial audit.
pub const DENIAL_AUDIT_GROUP: &str = "auth-audit";
/// How often other auth instances re-read the active policy version without an event.
const POLICY_RESYNC_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);
/// Consumer group of the role-change audit.
pub const ROLE_AUDIT_GROUP: &str = "auth-role-audit";

/// Writes each denial to the audit log.
#[derive(Debug, Clone)]
pub struct DenialAuditor {
    store: Store,
}

/// The audit row of a denial (also used for `/v1/authorize`'s own denials).
pub fn denial_record(denied: &AuthorizationDenied) -> AuditRecord {
    AuditRecord::new(AuditKind::AuthorizationDenied)
        .actor(denied.principal.clone())
        .subject(denied.resource.clone())
        .ip(denied.ip.clone())
        .detail(json!({
            "action": denied.action,
            "determining_policies": denied.determining_policies,
            "service": denied.service,
            "request_id": denied.request_id,
        }))
}

impl Handler for DenialAuditor {
    type Event = AuthorizationDenied;

    async fn handle(
        &self,
        envelope: Envelope<AuthorizationDenied>,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let mut record = denial_record(&envelope.payload);
        record.id = envelope.id;
        record.occurred_at = Some(envelope.occurred_at);
        self.store
            .audit(&record)
            .await
            .map_err(HandlerError::retryable)
    }
}

/// Writes each role change to the audit log.
#[derive(Debug, Clone)]
pub struct RoleChangeAuditor {
    store: Store,
}

impl Handler for RoleChangeAuditor {
    type Event = UserRoleChanged;

    async fn handle(
        &self,
        envelope: Envelope<UserRoleChanged>,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let changed = &envelope.payload;
        let mut record = AuditRecord::new(AuditKind::RoleChanged)
            .actor(changed.changed_by.to_string())
            .subject(changed.user_id.to_string())
            .detail(json!({
                "previous_role": changed.previous_role,
                "new_role": changed.new_role,
            }));
        record.id = envelope.id;
        record.occurred_at = Some(envelope.occurred_at);
        self.store
            .audit(&record)
            .await
            .map_err(HandlerError::retryable)
    }
}

/// Reloads the active policy version from the database if it is newer than the one in use.
pub async fn reload_policies(store: &Store, live: &LivePolicies) -> Result<bool, String> {
    let Some(active) = store.active_policies().await.map_err(|e| e.to_string())? else {
        return Ok(false);
    };
    if active.version <= live.revision() {
        return Ok(false);
    }
    let policies = Policies::from_sources(&active.sources).map_err(|e| e.to_string())?;
    Ok(live.replace(active.version, policies))
}

/// Registers the consumers on `setup`.
pub fn register_workers(service: &AuthService, bus: &Bus, setup: &mut Setup) {
    let consumer_name = format!("nexus-auth-{}", uuid::Uuid::now_v7().simple());
    let auditor = DenialAuditor {
        store: service.store.clone(),
    };
    let denial_bus = bus.clone();
    setup.worker(
        "authorization-denial-audit",
        move |shutdown: CancellationToken| async move {
            let params = ConsumerParams::new(
                AuthorizationDenied::STREAM,
                DENIAL_AUDIT_GROUP,
                consumer_name,
            );
            let consumer = denial_bus.consumer(params).await?;
            consumer.run(auditor, shutdown).await;
            Ok(())
        },
    );

    let role_auditor = RoleChangeAuditor {
        store: service.store.clone(),
    };
    let role_bus = bus.clone();
    let role_consumer = format!("nexus-auth-{}", uuid::Uuid::now_v7().simple());
    setup.worker(
        "role-change-audit",
        move |shutdown: CancellationToken| async move {
            let params =
                ConsumerParams::new(UserRoleChanged::STREAM, ROLE_AUDIT_GROUP, role_consumer);
            let consumer = role_bus.consumer(params).await?;
            consumer.run(role_auditor, shutdown).await;
            Ok(())
        },
    );

    let store = service.store.clone();
    let live: Arc<LivePolicies> = service.policies.clone();
    let reload_bus = bus.clone();
    setup.worker(
        "policy-reload",
        move |shutdown: CancellationToken| async move {
            let mut subscription = reload_bus.subscribe(&[PoliciesPublished::STREAM]).await?;
            loop {
                tokio::select! {
                    () = shutdown.cancelled() => return Ok(()),
                    // Pub/sub may drop a message while reconnecting: resync now and then anyway.
                    () = tokio::time::sleep(POLICY_RESYNC_INTERVAL) => {}
                    message = subscription.next() => {
                        let Some(message) = message else {
                            return Err("the policy subscription ended".into());
                        };
                        if message.envelope.name != PoliciesPublished::NAME {
                            continue;
                        }
                    }
                }
                match reload_policies(&store, &live).await {
                    Ok(true) => tracing::info!(
                        version = live.revision(),
                        "Reloaded the published policies."
                    ),
                    Ok(false) => {}
                    Err(error) => {
                        tracing::error!(error = %error, "Reloading the published policies failed.")
                    }
                }
            }
        },
    );
}
