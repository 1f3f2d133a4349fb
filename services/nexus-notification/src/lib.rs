//! nexus-notification: telling people and their systems what happened: the in-app inbox, e-mail and
//! signed webhooks (schema `notification`).
//!
//! Owns:
//! - preferences per user and kind of notice (channels, digest, signed unsubscribe links); security
//!   notices cannot be turned off
//! - the in-app inbox (read state, unread count; new notices live on the user's WebSocket topic)
//! - e-mail over SMTP from templates in the repository, with per-recipient limits and retries
//! - webhook endpoints, their secrets and deliveries under Standard Webhooks 1.0 (signatures,
//!   retries on a published schedule, a delivery log, replay), and files followed for verdict
//!   changes
//!
//! Does not own:
//! - what happened: events come from the owning services; this service decides only how to tell
//!   people
//! - outbound HTTP to addresses users choose: webhooks go through the one SSRF-safe fetcher, never
//!   a client of its own
//!
//! Layout (docs/SERVICE_TEMPLATE.md): the files exist before their content, so the issue that
//! builds this service fills them in instead of inventing a shape.
//! - [`settings`]: its section, `[notification]`.
//! - [`error`]: [`NotificationError`](error::NotificationError), its codes and statuses.
//! - [`domain`]: pure rules, no I/O.
//! - [`store`]: the SQL of schema `notification` and the outbox events, one transaction per change.
//! - [`routes`]: one handler per file, mounted by [`routes::configure`]; [`routes::openapi`]
//!   describes them.
//! - [`events`]: what the service consumes.
//! - [`workers`]: its background loops, registered in one place.
//! - [`metrics`]: its own metrics.
//!
//! Architecture invariant: each event becomes at most one notice per user and channel (the inbox on
//! the envelope id), and every retry of a webhook carries the same `webhook-id`, so receivers can
//! deduplicate.
//!
//! Not built yet: security notices from nexus-auth (it publishes no such events yet) and
//! `referral.completed` (no such event yet); the kinds exist so preferences can name them.

pub mod domain;
pub mod email;
pub mod error;
pub mod events;
pub mod metrics;
pub mod routes;
pub mod settings;
pub mod store;
pub mod webhooks;
pub mod workers;

use std::sync::Arc;

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};

use crate::metrics::NotificationMetrics;
use crate::settings::NotificationSettings;
use crate::store::Store;

/// The notification service: its store, settings and metrics, shared by handlers and workers.
#[derive(Debug)]
pub struct NotificationService {
    /// Schema `notification` and its outbox.
    pub store: Store,
    /// `[notification]`.
    pub settings: NotificationSettings,
    /// The service's own metrics.
    pub metrics: NotificationMetrics,
    /// The bus (the source streams' consumers).
    pub bus: nexus_bus::Bus,
    /// nexus-user's internal endpoints (the e-mail sender reads recipients' addresses).
    pub users: nexus_client::UserClient,
}

impl Service for NotificationService {
    const KIND: ServiceKind = ServiceKind::Notification;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some(store::SCHEMA);
    type Settings = NotificationSettings;

    async fn build(
        resources: &Resources,
        settings: &NotificationSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        let store = Store::new(resources.postgres()?.clone())
            .map_err(|error| RuntimeError::build("the store", error))?;
        Ok(Self {
            store,
            settings: settings.clone(),
            metrics: NotificationMetrics::register(resources.metrics()),
            bus: resources.bus()?.clone(),
            users: nexus_client::UserClient::new(
                nexus_client::ServiceClient::new(
                    ServiceKind::User.binary_name(),
                    &settings.email.user_url,
                    resources.client_settings().clone(),
                )
                .map_err(|error| RuntimeError::build("the nexus-user client", error))?,
            ),
        })
    }

    fn workers(self: Arc<Self>, workers: &mut Workers) {
        workers::register(self, workers);
    }

    fn openapi() -> utoipa::openapi::OpenApi {
        <routes::openapi::ApiDoc as utoipa::OpenApi>::openapi()
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        routes::configure(config);
    }
}
