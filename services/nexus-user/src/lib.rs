//! nexus-user.
//!
//! Owns: Accounts, profiles, password hashes, roles, wallet linking, Ed25519 WebSocket keys and referrals (schema `users`).
//!
//! Does not own: It does not issue tokens or decide policies (nexus-auth does).
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issues,
//! and no placeholder endpoint pretends to work before then.

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, NoSettings, Resources, RuntimeError, Service, Setup};

/// The user service.
#[derive(Debug)]
pub struct UserService;

impl Service for UserService {
    const KIND: ServiceKind = ServiceKind::User;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some("users");
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
