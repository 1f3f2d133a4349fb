//! nexus-analysis.
//!
//! Owns: The sample store (content-addressed by SHA-256), the static analysis pipeline and its job queue, YARA rulesets and retrohunts.
//!
//! Does not own: It does not pay or score anyone: it publishes `AnalysisCompleted` and others react.
//!
//! Today the service runs on the shared runtime (health, readiness of its dependencies,
//! metrics, outbox relay, graceful shutdown); its business endpoints arrive with their issues,
//! and no placeholder endpoint pretends to work before then.

use actix_web::web;
use nexus_config::ServiceKind;
use nexus_runtime::{Dependency, NoSettings, Resources, RuntimeError, Service, Setup};

/// The analysis service.
#[derive(Debug)]
pub struct AnalysisService;

impl Service for AnalysisService {
    const KIND: ServiceKind = ServiceKind::Analysis;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some("analysis");
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
