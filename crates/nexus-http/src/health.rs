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
    /// Whether the service still does its work without this dependency, only less of it (the
    /// bounty service queues transactions while the chain is down). A failing check of this kind
    /// is reported, and makes the status `degraded`, but `/ready` stays 200 so the load
    /// balancer keeps sending requests. Required by default.
    fn degrades_only(&self) -> bool {
        false
    }
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
            let degrades_only = check.degrades_only();
            (
                degrades_only,
                DependencyCheck {
                    name: check.name().to_owned(),
                    ok: error.is_none(),
                    latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    error,
                },
            )
        });
        let outcomes = join_all(probes).await;
        let describe = |check: &DependencyCheck| {
            format!(
                "{} is unavailable ({})",
                check.name,
                check.error.as_deref().unwrap_or("unknown")
            )
        };
        let down: Vec<String> = outcomes
            .iter()
            .filter(|(degrades_only, check)| !check.ok && !degrades_only)
            .map(|(_, check)| describe(check))
            .collect();
        let degraded: Vec<String> = outcomes
            .iter()
            .filter(|(degrades_only, check)| !check.ok && *degrades_only)
            .map(|(_, check)| describe(check))
            .collect();
        let checks: Vec<DependencyCheck> = outcomes.into_iter().map(|(_, check)| check).collect();
        if !down.is_empty() {
            ReadinessReport {
                status: "not_ready".into(),
                checks,
                code: Some("not_ready".into()),
                message: Some(format!("Not ready: {}.", down.join("; "))),
                request_id: Some(current_request_id()),
            }
        } else if !degraded.is_empty() {
            ReadinessReport {
                status: "degraded".into(),
                checks,
                code: None,
                message: Some(format!("Degraded: {}.", degraded.join("; "))),
                request_id: None,
            }
        } else {
            ReadinessReport {
                status: "ready".into(),
                checks,
                code: None,
                message: None,
                request_id: None,
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

/// `GET /ready`: 200 when every required dependency answers (`degraded` when one that only
/// degrades the service does not), else 503 naming those that do not.
pub async fn get_ready(checks: web::Data<ReadinessChecks>) -> HttpResponse {
    let report = checks.run().await;
    let status = if report.status != "not_ready" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    HttpResponse::build(status).json(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed {
        name: &'static str,
        up: bool,
        degrades_only: bool,
    }

    impl ReadinessCheck for Fixed {
        fn name(&self) -> &'static str {
            self.name
        }

        fn check(&self) -> BoxFuture<'_, Result<(), String>> {
            let up = self.up;
            Box::pin(async move { if up { Ok(()) } else { Err("refused".into()) } })
        }

        fn degrades_only(&self) -> bool {
            self.degrades_only
        }
    }

    fn checks(list: &[(&'static str, bool, bool)]) -> ReadinessChecks {
        list.iter().fold(
            ReadinessChecks::new("svc", "0", Duration::from_secs(1)),
            |checks, &(name, up, degrades_only)| {
                checks.with(Arc::new(Fixed {
                    name,
                    up,
                    degrades_only,
                }))
            },
        )
    }

    #[tokio::test]
    async fn a_down_dependency_that_only_degrades_is_reported_without_failing_readiness() {
        let report = checks(&[("postgres", true, false), ("chain", false, true)])
            .run()
            .await;
        assert_eq!(report.status, "degraded");
        assert_eq!(report.code, None);
        assert_eq!(
            report.message.as_deref(),
            Some("Degraded: chain is unavailable (refused).")
        );
        assert!(!report.checks[1].ok);

        let report = checks(&[("postgres", false, false), ("chain", false, true)])
            .run()
            .await;
        assert_eq!(report.status, "not_ready");
        assert_eq!(
            report.message.as_deref(),
            Some("Not ready: postgres is unavailable (refused).")
        );

        let report = checks(&[("postgres", true, false), ("chain", true, true)])
            .run()
            .await;
        assert_eq!(report.status, "ready");
    }
}
