//! Events nexus-auth consumes and what it does with each; the loops that consume them are
//! registered in [`crate::workers`].
//!
//! - [`AuthorizationDenied`] (stream `nexus:auth:denials:v1`, group `auth-audit`): one audit row
//!   per event, keyed by the envelope id, so a redelivery changes nothing.
//! - [`UserRoleChanged`] (stream `nexus:user:accounts:v1`, group `auth-role-audit`): one audit
//!   row per role change, keyed by the envelope id.
//! - [`PoliciesPublished`] (live pub/sub): another auth instance published; reload the active
//!   version from PostgreSQL. The outbox relay publishes it live as well as on the stream.

use std::sync::Arc;

use futures_util::StreamExt;
use nexus_bus::{Delivery, Handler, HandlerError};
use nexus_policy::{LivePolicies, Policies};
use nexus_proto::auth::{AuthorizationDenied, PoliciesPublished};
use nexus_proto::user::UserRoleChanged;
use nexus_proto::{Envelope, Event};
use nexus_runtime::WorkerResult;
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
    service: Arc<AuthService>,
}

impl DenialAuditor {
    /// The auditor writing through `service`'s store.
    pub fn new(service: Arc<AuthService>) -> Self {
        Self { service }
    }
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
        self.service
            .store
            .audit(&record)
            .await
            .map_err(HandlerError::retryable)
    }
}

/// Writes each role change to the audit log.
#[derive(Debug, Clone)]
pub struct RoleChangeAuditor {
    service: Arc<AuthService>,
}

impl RoleChangeAuditor {
    /// The auditor writing through `service`'s store.
    pub fn new(service: Arc<AuthService>) -> Self {
        Self { service }
    }
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
        self.service
            .store
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

/// Follows `PoliciesPublished` until `shutdown`: reloads the active version when another
/// instance announces one, and once a minute anyway (pub/sub may drop a message while
/// reconnecting).
pub async fn follow_published_policies(
    service: Arc<AuthService>,
    shutdown: CancellationToken,
) -> WorkerResult {
    let mut subscription = service.bus.subscribe(&[PoliciesPublished::STREAM]).await?;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
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
        match reload_policies(&service.store, &service.policies).await {
            Ok(true) => tracing::info!(
                version = service.policies.revision(),
                "Reloaded the published policies."
            ),
            Ok(false) => {}
            Err(error) => {
                tracing::error!(error = %error, "Reloading the published policies failed.")
            }
        }
    }
}
