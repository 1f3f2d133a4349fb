//! `/health` (alive) and `/ready` (dependencies reachable).

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use futures_util::future::{BoxFuture, join_all};
use nexus_proto::health::{DependencyCheck, HealthReport, ReadinessReport};

use crate::context::current_request_id;

/// One dependency the service needs before it can serve: PostgreSQL, Redis, an RPC node...
pub trait ReadinessCheck: Send + Sync {
    /// Stable dependency name shown in the report, e.g. `postgres`.
    fn name(&self) -> &'static str;
    /// Probes the dependency; the error says why it is unusable (never a secret).
    fn check(&self) -> BoxFuture<'_, Result<(), String>>;
}

/// The service identity and readiness checks behind `/health` and `/ready`.
#[derive(Clone)]
pub struct ReadinessChecks {
    service: String,
    version: String,
    probe_timeout: Duration,
    checks: Vec<Arc<dyn ReadinessCheck>>,
}

impl std::fmt::Debug for ReadinessChecks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.checks.iter().map(|check| check.name()).collect();
        f.debug_struct("ReadinessChecks")
            .field("service", &self.service)
            .field("checks", &names)
            .finish()
    }
}

impl ReadinessChecks {
    /// No checks yet; each probe gets `probe_timeout`.
    pub fn new(service: &str, version: &str, probe_timeout: Duration) -> Self {
        Self {
            service: service.to_owned(),
            version: version.to_owned(),
            probe_timeout,
            checks: Vec::new(),
        }
    }

    /// Adds a dependency check.
    #[must_use]
    pub fn with(mut self, check: Arc<dyn ReadinessCheck>) -> Self {
        self.checks.push(check);
        self
    }

    /// Runs every check concurrently, each bounded by the probe timeout.
    pub async fn run(&self) -> ReadinessReport {
        let probes = self.checks.iter().map(|check| async move {
            let started = Instant::now();
            let outcome = tokio::time::timeout(self.probe_timeout, check.check()).await;
            let error = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(error)) => Some(error),
                Err(_) => Some(format!(
                    "no answer within {} ms",
                    self.probe_timeout.as_millis()
                )),
            };
            DependencyCheck {
                name: check.name().to_owned(),
                ok: error.is_none(),
                latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                error,
            }
        });
        let checks = join_all(probes).await;
        let down: Vec<String> = checks
            .iter()
            .filter(|check| !check.ok)
            .map(|check| {
                format!(
                    "{} is unavailable ({})",
                    check.name,
                    check.error.as_deref().unwrap_or("unknown")
                )
            })
            .collect();
        if down.is_empty() {
            ReadinessReport {
                status: "ready".into(),
                checks,
                code: None,
                message: None,
                request_id: None,
            }
        } else {
            ReadinessReport {
                status: "not_ready".into(),
                checks,
                code: Some("not_ready".into()),
                message: Some(format!("Not ready: {}.", down.join("; "))),
                request_id: Some(current_request_id()),
            }
        }
    }
}

/// `GET /health`: 200 whenever the process serves HTTP.
pub async fn get_health(checks: web::Data<ReadinessChecks>) -> HttpResponse {
    HttpResponse::Ok().json(HealthReport {
        status: "ok".into(),
        service: checks.service.clone(),
        version: checks.version.clone(),
    })
}

/// `GET /ready`: 200 when every dependency answers, else 503 naming those that do not.
pub async fn get_ready(checks: web::Data<ReadinessChecks>) -> HttpResponse {
    let report = checks.run().await;
    let status = if report.status == "ready" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    HttpResponse::build(status).json(report)
}
