//! nexus-auth.
//!
//! Owns: Sign-in, access and refresh tokens, JWKS and OIDC discovery, TOTP MFA, API keys, Cedar policies and `/v1/authorize`, and the authorization audit log.
//!
//! Does not own: It does not own accounts or password hashes (nexus-user does); it asks nexus-user over REST.
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issues,
//! and no placeholder endpoint pretends to work before then.

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, NoSettings, Resources, RuntimeError, Service, Setup};

/// The auth service.
#[derive(Debug)]
pub struct AuthService;

impl Service for AuthService {
    const KIND: ServiceKind = ServiceKind::Auth;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some("auth");
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
