//! Starting a service and shutting it down gracefully.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use nexus_bus::{Bus, BusMetrics};
use nexus_config::ServiceKind;
use nexus_config::retry::retry_pauses;
use nexus_db::{Outbox, PgPool, Schema};
use nexus_http::token::TokenValidator;
use nexus_http::{BodyLimits, HttpMetrics, NexusRootSpan, ReadinessCheck, ReadinessChecks};
use nexus_policy::{LivePolicies, Policies};
use nexus_telemetry::MetricsRegistry;
use secrecy::ExposeSecret;
use tokio::task::JoinHandle;
use tracing_actix_web::TracingLogger;

use crate::error::RuntimeError;
use crate::readiness::{PostgresCheck, RedisCheck, WorkersCheck};
use crate::service::{Dependency, Resources, Service, Setup};
use crate::settings::{RuntimeSettings, Settings};
use crate::tokens::TokenKeys;
use crate::workers::{Supervisor, WorkerOutcome, WorkerReport, Workers};

/// How long one readiness probe may take before the dependency counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// A started service: its bound addresses and the handles to stop it.
pub struct Running {
    name: &'static str,
    http_addr: SocketAddr,
    admin_addr: SocketAddr,
    shutdown_timeout: Duration,
    http: ServerHandle,
    http_task: JoinHandle<std::io::Result<()>>,
    admin: ServerHandle,
    admin_task: JoinHandle<std::io::Result<()>>,
    supervisor: Supervisor,
    postgres: Option<PgPool>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running")
            .field("name", &self.name)
            .field("http_addr", &self.http_addr)
            .field("admin_addr", &self.admin_addr)
            .finish_non_exhaustive()
    }
}

/// How shutdown went, part by part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownReport {
    /// The service name.
    pub service: &'static str,
    /// `None` when the HTTP server drained cleanly, else why not.
    pub http_error: Option<String>,
    /// Each worker's outcome.
    pub workers: Vec<WorkerReport>,
    /// Time from the shutdown request to the end.
    pub elapsed: Duration,
}

impl ShutdownReport {
    /// True when HTTP drained and every worker completed.
    pub fn is_clean(&self) -> bool {
        self.http_error.is_none()
            && self
                .workers
                .iter()
                .all(|worker| worker.outcome == WorkerOutcome::Completed)
    }
}

impl Running {
    /// The bound public address (the real port when 0 was asked for).
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The bound admin address serving `/metrics`.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// `http://<http_addr>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// Stops accepting connections, lets in-flight requests finish within
    /// `server.shutdown_timeout`, stops the workers within what is left of it, closes the pool and
    /// reports how each part ended.
    pub async fn shutdown(self) -> ShutdownReport {
        let started = Instant::now();
        tracing::info!(service = self.name, timeout = ?self.shutdown_timeout, "Shutting down gracefully.");
        self.http.stop(true).await;
        let http_error = match self.http_task.await {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(join_error) => Some(join_error.to_string()),
        };
        self.admin.stop(true).await;
        let _ = self.admin_task.await;
        let remaining = self
            .shutdown_timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(100));
        let workers = self.supervisor.stop(remaining).await;
        if let Some(pool) = self.postgres {
            let _ = tokio::time::timeout(Duration::from_secs(2), pool.close()).await;
        }
        let report = ShutdownReport {
            service: self.name,
            http_error,
            workers,
            elapsed: started.elapsed(),
        };
        for worker in &report.workers {
            tracing::info!(worker = %worker.name, outcome = ?worker.outcome, "Worker stopped.");
        }
        tracing::info!(clean = report.is_clean(), elapsed = ?report.elapsed, "Shutdown finished.");
        report
    }
}

/// Makes ring the process's rustls crypto provider unless one is set already. reqwest is built
/// without a provider of its own (to avoid compiling aws-lc next to ring), so this must run
/// before any HTTP client is built: the runtime, the OTLP exporter and the test kit call it.
pub fn install_crypto_provider() {
    // An error only means a provider is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Connects dependencies, builds `S`, binds its listeners and starts its workers.
pub async fn start<S: Service>(settings: Settings<S::Settings>) -> Result<Running, RuntimeError> {
    install_crypto_provider();
    let Settings {
        mut runtime,
        service: service_settings,
    } = settings;
    // Every client handed out below (the service's own, JWKS, policy sync) sends this token on
    // internal calls; the same list guards this service's own `/internal/*` routes.
    let service_credentials = runtime
        .service_auth
        .resolve()
        .map_err(|error| RuntimeError::build("service authentication", error))?;
    runtime.client.service_token = Some(nexus_client::ServiceToken::new(
        service_credentials.current().clone(),
    ));
    let name = S::KIND.binary_name();
    let metrics = MetricsRegistry::new();
    if S::DEPENDENCIES.contains(&Dependency::Redis)
        && let Err(error) = runtime.bus.check_claim_budget()
    {
        return Err(RuntimeError::Config(nexus_config::ConfigError::Invalid {
            problems: vec![error.to_string()],
        }));
    }

    let postgres = if S::DEPENDENCIES.contains(&Dependency::Postgres) {
        Some(connect_postgres(&runtime).await?)
    } else {
        None
    };
    let bus = if S::DEPENDENCIES.contains(&Dependency::Redis) {
        Some(connect_redis(&runtime, &metrics).await?)
    } else {
        None
    };
    let resources = Resources {
        kind: S::KIND,
        postgres: postgres.clone(),
        bus: bus.clone(),
        metrics: metrics.clone(),
        client_settings: runtime.client.clone(),
        token_settings: runtime.tokens.clone(),
        token_keys: TokenKeys::new(&runtime.tokens),
        policies: Arc::new(LivePolicies::new(
            0,
            Policies::shipped().map_err(RuntimeError::Policies)?,
        )),
    };

    // Before anything serves: a process that fetches its keys or policies from the auth
    // service cannot judge a token until the first fetch lands (503 `auth_not_ready`, and
    // `/ready` red), instead of refusing valid tokens with 401.
    let gate = resources.token_keys.validator.startup_gate().clone();
    let fetches_keys = runtime.tokens.jwks_url.is_some()
        && runtime.tokens.jwks.is_none()
        && S::KIND != ServiceKind::Auth;
    if fetches_keys {
        gate.require(crate::tokens::SIGNING_KEYS);
    }
    let syncs_policies = runtime.policies.auth_url.is_some() && S::KIND != ServiceKind::Auth;
    if syncs_policies {
        gate.require(crate::policy_sync::PUBLISHED_POLICIES);
    }

    let mut setup = Setup::default();
    if fetches_keys || syncs_policies {
        setup.readiness(Arc::new(nexus_http::startup_gate::StartupGateCheck(
            gate.clone(),
        )));
    }
    let built = Arc::new(S::build(&resources, &service_settings, &mut setup).await?);
    let mut workers = Workers::default();
    Arc::clone(&built).workers(&mut workers);
    let mut supervisor = Supervisor::new();
    let checks = readiness_checks(name, &resources, &setup.checks, &supervisor);

    let shared = SharedData {
        validator: web::Data::new(resources.token_validator().clone()),
        policies: web::Data::from(resources.policies().clone()),
        openapi: web::Data::new(OpenApiDocument(S::openapi())),
        service_credentials: web::Data::new(service_credentials),
    };
    let (http, http_task, http_addr) = serve_http::<S>(built, &runtime, &metrics, checks, shared)?;
    let (admin, admin_task, admin_addr) = serve_admin(&runtime, metrics.clone())?;

    if let (Some(schema), Some(pool), Some(bus)) =
        (S::SCHEMA.and_then(Schema::new), postgres.clone(), bus)
    {
        let outbox = Outbox::new(schema);
        let outbox_settings = runtime.outbox.clone();
        supervisor.spawn(
            "outbox_relay".into(),
            Box::new(move |token| {
                Box::pin(crate::outbox_relay::run(
                    pool,
                    bus,
                    outbox,
                    outbox_settings,
                    token,
                ))
            }),
        );
    }
    // The auth service installs its own keys; everyone else fetches them unless given inline.
    if let (Some(url), None, false) = (
        runtime.tokens.jwks_url.clone(),
        runtime.tokens.jwks.as_ref(),
        S::KIND == ServiceKind::Auth,
    ) {
        let keys = resources.token_keys.clone();
        let token_settings = runtime.tokens.clone();
        let client_settings = runtime.client.clone();
        supervisor.spawn(
            "jwks_refresh".into(),
            Box::new(move |token| {
                Box::pin(crate::tokens::refresh_jwks(
                    keys,
                    url,
                    token_settings,
                    client_settings,
                    token,
                ))
            }),
        );
    }
    if let (Some(auth_url), false) = (
        runtime.policies.auth_url.clone(),
        S::KIND == ServiceKind::Auth,
    ) {
        let live = resources.policies.clone();
        let gate = gate.clone();
        let policy_settings = runtime.policies.clone();
        let bus = resources.bus.clone();
        let client_settings = runtime.client.clone();
        supervisor.spawn(
            "policy_sync".into(),
            Box::new(move |token| {
                Box::pin(crate::policy_sync::sync_policies(
                    live,
                    gate,
                    policy_settings,
                    auth_url,
                    bus,
                    client_settings,
                    token,
                ))
            }),
        );
    }
    for (worker_name, start_worker) in workers.registered {
        supervisor.spawn(worker_name, start_worker);
    }
    tracing::info!(service = name, http = %http_addr, admin = %admin_addr, "Service started.");
    Ok(Running {
        name,
        http_addr,
        admin_addr,
        shutdown_timeout: runtime.server.shutdown_timeout,
        http,
        http_task,
        admin,
        admin_task,
        supervisor,
        postgres,
    })
}

async fn connect_postgres(runtime: &RuntimeSettings) -> Result<PgPool, RuntimeError> {
    let pool = nexus_db::connect_lazy(&runtime.database).map_err(RuntimeError::Database)?;
    if runtime.database.run_migrations {
        nexus_db::wait_until_reachable(&pool, &runtime.database)
            .await
            .map_err(RuntimeError::Database)?;
        nexus_db::migrate::run(&pool)
            .await
            .map_err(RuntimeError::Database)?;
        tracing::info!("Database migrations are applied.");
    }
    Ok(pool)
}

async fn connect_redis(
    runtime: &RuntimeSettings,
    metrics: &MetricsRegistry,
) -> Result<Bus, RuntimeError> {
    let mut pauses =
        retry_pauses(runtime.redis.retry_backoff, runtime.redis.connect_retries).enumerate();
    loop {
        let connected = Bus::connect(
            runtime.redis.url.expose_secret(),
            runtime.redis.key_prefix.clone(),
            runtime.bus.clone(),
        )
        .await;
        let error = match connected {
            Ok(bus) => {
                let bus_metrics = metrics.register_with(BusMetrics::register);
                return Ok(bus.with_metrics(bus_metrics));
            }
            Err(error) => error,
        };
        let Some((attempt, pause)) = pauses.next() else {
            return Err(RuntimeError::Redis(error));
        };
        tracing::warn!(attempt = attempt + 1, error = %nexus_http::error::cause_chain(&error), "Redis is not reachable yet; retrying.");
        tokio::time::sleep(pause).await;
    }
}

fn readiness_checks(
    name: &str,
    resources: &Resources,
    extra: &[Arc<dyn ReadinessCheck>],
    supervisor: &Supervisor,
) -> ReadinessChecks {
    let mut checks = ReadinessChecks::new(name, env!("CARGO_PKG_VERSION"), PROBE_TIMEOUT);
    if let Some(pool) = &resources.postgres {
        checks = checks.with(Arc::new(PostgresCheck(pool.clone())));
    }
    if let Some(bus) = &resources.bus {
        checks = checks.with(Arc::new(RedisCheck(bus.clone())));
    }
    for check in extra {
        checks = checks.with(check.clone());
    }
    checks.with(Arc::new(WorkersCheck(supervisor.failed_workers())))
}

fn bind(address: SocketAddr) -> Result<(TcpListener, SocketAddr), RuntimeError> {
    let listener =
        TcpListener::bind(address).map_err(|source| RuntimeError::Bind { address, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| RuntimeError::Bind { address, source })?;
    Ok((listener, bound))
}

/// What every service's handlers can extract besides the service itself.
#[derive(Clone)]
struct SharedData {
    validator: web::Data<TokenValidator>,
    policies: web::Data<LivePolicies>,
    openapi: web::Data<OpenApiDocument>,
    service_credentials: web::Data<nexus_http::service_auth::ServiceCredentials>,
}

/// The service's OpenAPI document, served at `GET /openapi.json`.
struct OpenApiDocument(utoipa::openapi::OpenApi);

async fn get_openapi(document: web::Data<OpenApiDocument>) -> HttpResponse {
    HttpResponse::Ok().json(&document.0)
}

type Served = (ServerHandle, JoinHandle<std::io::Result<()>>, SocketAddr);

fn serve_http<S: Service>(
    built: Arc<S>,
    runtime: &RuntimeSettings,
    metrics: &MetricsRegistry,
    checks: ReadinessChecks,
    shared: SharedData,
) -> Result<Served, RuntimeError> {
    let (listener, address) = bind(runtime.server.http_addr)?;
    // The same Arc that `Service::workers` was handed: workers and handlers share one state.
    let service = web::Data::from(built);
    let http_metrics = web::Data::new(HttpMetrics::register(S::KIND.binary_name(), metrics));
    let checks = web::Data::new(checks);
    let limits = BodyLimits {
        body_bytes: runtime.server.body_limit_bytes,
        json_bytes: runtime.server.json_limit_bytes,
    };
    let mut server = HttpServer::new(move || {
        let service = service.clone();
        let http_metrics = http_metrics.clone();
        let checks = checks.clone();
        App::new()
            .app_data(service.clone())
            .app_data(shared.validator.clone())
            .app_data(shared.policies.clone())
            .app_data(shared.openapi.clone())
            .app_data(shared.service_credentials.clone())
            .configure(move |config| {
                service.routes(config);
                config.service(web::resource("/openapi.json").route(web::get().to(get_openapi)));
                nexus_http::configure_service(config, limits, http_metrics, checks);
            })
            // Inside the request span and the JSON error rewriting, so refusals are logged,
            // counted and answered like any other error.
            .wrap(actix_web::middleware::from_fn(
                nexus_http::service_auth::require_service_token,
            ))
            .wrap(TracingLogger::<NexusRootSpan>::new())
            .wrap(actix_web::middleware::from_fn(
                nexus_http::middleware::nexus_middleware,
            ))
    })
    // Small answers and WebSocket frames go out at once instead of waiting for the previous
    // segment's acknowledgement (Nagle), which a delayed ACK can hold back by up to 40 ms.
    .tcp_nodelay(true)
    .disable_signals()
    .shutdown_timeout(runtime.server.shutdown_timeout.as_secs().max(1));
    if runtime.server.workers > 0 {
        server = server.workers(runtime.server.workers);
    }
    let server = server
        .listen(listener)
        .map_err(|source| RuntimeError::Bind { address, source })?
        .run();
    let handle = server.handle();
    Ok((handle, tokio::spawn(server), address))
}

fn serve_admin(
    runtime: &RuntimeSettings,
    metrics: MetricsRegistry,
) -> Result<Served, RuntimeError> {
    let (listener, address) = bind(runtime.server.admin_addr)?;
    let metrics = web::Data::new(metrics);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(metrics.clone())
            .route("/metrics", web::get().to(get_metrics))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)
    .map_err(|source| RuntimeError::Bind { address, source })?
    .run();
    let handle = server.handle();
    Ok((handle, tokio::spawn(server), address))
}

/// `GET /metrics` on the admin port: the registry in the OpenMetrics text format.
async fn get_metrics(metrics: web::Data<MetricsRegistry>) -> HttpResponse {
    match metrics.encode() {
        Ok(text) => HttpResponse::Ok()
            .content_type(MetricsRegistry::CONTENT_TYPE)
            .body(text),
        Err(error) => {
            tracing::error!(error = %error, "Encoding metrics failed.");
            HttpResponse::InternalServerError().finish()
        }
    }
}
