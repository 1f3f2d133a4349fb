//! nexus-notification.
//!
//! Owns: Notification preferences, the in-app inbox, e-mail over SMTP and signed webhooks with retries.
//!
//! Does not own: It decides how to tell people, never what happened: events come from the owning services.
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issues,
//! and no placeholder endpoint pretends to work before then.

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, NoSettings, Resources, RuntimeError, Service, Setup};

/// The notification service.
#[derive(Debug)]
pub struct NotificationService;

impl Service for NotificationService {
    const KIND: ServiceKind = ServiceKind::Notification;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some("notification");
    type Settings = NoSettings;

    async fn build(
        _resources: &Resources,
        _settings: &NoSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        Ok(Self)
    }

    fn routes(&self, _config: &mut web::ServiceConfig) {}
}
