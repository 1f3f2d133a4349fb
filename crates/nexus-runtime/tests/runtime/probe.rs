//! A small service used to exercise the runtime.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use nexus_config::{ServiceKind, Validate};
use nexus_db::{Outbox, PgPool, Schema};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::LivePolicies;
use nexus_proto::{Envelope, Event};
use nexus_runtime::{Dependency, Resources, RuntimeError, Service, Setup, Workers};
use serde::{Deserialize, Serialize};

/// The event the probe announces through its outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeRecorded {
    pub value: i64,
}

impl Event for ProbeRecorded {
    const NAME: &'static str = "ProbeRecorded";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:probe:events:v1";
}

/// How the probe's background worker behaves.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub enum WorkerMode {
    /// Stops when asked.
    #[default]
    Cooperative,
    /// Ignores the shutdown token.
    Stubborn,
    /// Fails shortly after start.
    Failing,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProbeSettings {
    pub worker: WorkerMode,
}

impl Validate for ProbeSettings {
    fn validate(&self, _problems: &mut Vec<String>) {}
}

pub struct Probe {
    pool: PgPool,
    worker: WorkerMode,
}

pub const PROBE_TABLES: &str = "CREATE TABLE IF NOT EXISTS bounty.probe_state (value bigint PRIMARY KEY); \
     CREATE TABLE IF NOT EXISTS bounty.probe_effects (event_id uuid NOT NULL, value bigint NOT NULL)";

impl Service for Probe {
    const KIND: ServiceKind = ServiceKind::Bounty;
    const DEPENDENCIES: &'static [Dependency] = &[Dependency::Postgres, Dependency::Redis];
    const SCHEMA: Option<&'static str> = Some("bounty");
    type Settings = ProbeSettings;

    async fn build(
        resources: &Resources,
        settings: &ProbeSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        Ok(Self {
            pool: resources.postgres()?.clone(),
            worker: settings.worker,
        })
    }

    fn workers(self: std::sync::Arc<Self>, workers: &mut Workers) {
        let mode = self.worker;
        workers.add("probe_worker", move |token| async move {
            match mode {
                WorkerMode::Cooperative => {
                    token.cancelled().await;
                    Ok(())
                }
                WorkerMode::Stubborn => {
                    std::future::pending::<()>().await;
                    Ok(())
                }
                WorkerMode::Failing => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Err("the probe worker lost its upstream".into())
                }
            }
        });
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        config
            .service(web::resource("/v1/slow/{ms}").route(web::get().to(slow)))
            .service(web::resource("/v1/whoami").route(web::get().to(whoami)))
            .service(web::resource("/v1/policy-revision").route(web::get().to(policy_revision)))
            .service(web::resource("/v1/record/{value}").route(web::post().to(record)));
    }
}

/// Answers the caller's subject: any signed-in caller, 401 otherwise.
async fn whoami(caller: Authenticated) -> HttpResponse {
    HttpResponse::Ok().body(caller.0.sub)
}

/// The revision of the Cedar policies this process decides with.
async fn policy_revision(policies: web::Data<LivePolicies>) -> HttpResponse {
    HttpResponse::Ok().body(policies.revision().to_string())
}

async fn slow(path: web::Path<u64>) -> HttpResponse {
    tokio::time::sleep(Duration::from_millis(path.into_inner())).await;
    HttpResponse::Ok().body("done")
}

/// Writes the state row and its event in one transaction; a duplicate value rolls both back.
async fn record(probe: web::Data<Probe>, path: web::Path<i64>) -> Result<HttpResponse, ApiError> {
    let value = path.into_inner();
    let outbox = Outbox::new(Schema::new("bounty").unwrap());
    let mut transaction = probe.pool.begin().await.map_err(ApiError::internal)?;
    outbox
        .enqueue(&mut transaction, &Envelope::new(ProbeRecorded { value }))
        .await
        .map_err(ApiError::internal)?;
    // Runtime SQL: `probe_state` is created by the tests (`PROBE_TABLES`), not by a migration,
    // so `sqlx::query!` has no schema to check it against.
    let inserted = sqlx::query("INSERT INTO bounty.probe_state (value) VALUES ($1)")
        .bind(value)
        .execute(&mut *transaction)
        .await;
    if inserted.is_err() {
        transaction.rollback().await.map_err(ApiError::internal)?;
        return Err(ApiError::new(
            actix_web::http::StatusCode::CONFLICT,
            "duplicate_value",
            "value already recorded",
        ));
    }
    transaction.commit().await.map_err(ApiError::internal)?;
    Ok(HttpResponse::Created().finish())
}
