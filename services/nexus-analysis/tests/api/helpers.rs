//! Shared helpers: a started service with its own sample directory, uploads, polling.
//!
//! Normal calls go through the typed client (`harness.api()`, nexus-client's
//! `AnalysisClient`) in the service's wire types; [`Harness::call`], `get_json` and `post_json`
//! stay for tests that send what the types would not (bad input, other callers' refusals) or
//! read an answer's JSON as such.

use std::fmt::Display;
use std::path::PathBuf;
use std::time::Duration;

use futures_util::stream;
use nexus_analysis::AnalysisService;
use nexus_analysis::settings::AnalysisSettings;
use nexus_proto::analysis::{
    AnalysisStatus, AnalysisView, CreateRetrohunt, FileView, RetrohuntStatus, RetrohuntView,
    SampleVisibility, UploadAccepted,
};
use nexus_runtime::Settings;
use nexus_testkit::nexus_client::{AnalysisClient, CallContext};
use nexus_testkit::{TestContext, TestService};
use redis::streams::StreamId;
use serde_json::Value;

/// Bytes of a binary fixture from the repository's `fixtures/binaries` (see nexus-testkit).
pub fn fixture(name: &str) -> Vec<u8> {
    nexus_testkit::fixtures::read(name)
}

/// SHA-256 of `eicar.com` (published value).
pub const EICAR_SHA256: &str = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";
/// SHA-256 of `tiny` (fixtures README).
pub const TINY_SHA256: &str = "c704cca0fe4c9bdee18a302952540073b860e3b4d42e081f86d27bdb1cf6ede4";

/// A private sample directory, removed on drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!(
            "nexus-analysis-test-{}",
            uuid::Uuid::now_v7().simple()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Test settings: this context's database and Redis, a private store, one worker, short polls.
pub fn settings(ctx: &TestContext, store: &TempDir) -> Settings<AnalysisSettings> {
    let mut settings = ctx.settings::<AnalysisSettings>();
    settings.service.store_dir = store.0.clone();
    settings.service.workers = 1;
    settings.service.queue_depth_interval = Duration::from_millis(100);
    settings.runtime.bus.read_block = Duration::from_millis(300);
    settings
}

/// A running analysis service plus what tests need to talk to it.
pub struct Harness {
    pub ctx: TestContext,
    pub store: TempDir,
    pub service: TestService,
    pub http: reqwest::Client,
    pub user: String,
    pub analyst: String,
}

/// Account id of the harness's `user` token.
pub const USER_ID: &str = "0192f000-0000-7000-8000-000000000001";
/// Account id of the harness's `analyst` token.
pub const ANALYST_ID: &str = "0192f000-0000-7000-8000-000000000002";

impl Harness {
    /// Default test settings.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Test settings adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut Settings<AnalysisSettings>)) -> Self {
        let ctx = TestContext::new().await.unwrap();
        let store = TempDir::new();
        let mut settings = settings(&ctx, &store);
        adjust(&mut settings);
        let service = ctx.spawn_with::<AnalysisService>(settings).await.unwrap();
        let user = ctx.access_token(USER_ID, &["user"]);
        let analyst = ctx.access_token(ANALYST_ID, &["analyst"]);
        Self {
            ctx,
            store,
            service,
            http: reqwest::Client::new(),
            user,
            analyst,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base_url())
    }

    /// `POST /v1/files` with `bytes` as the body.
    pub async fn upload(&self, bytes: Vec<u8>) -> (u16, Value) {
        let response = self
            .http
            .post(self.url("/v1/files"))
            .bearer_auth(&self.user)
            .body(bytes)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// The service's typed client.
    pub fn api(&self) -> AnalysisClient {
        self.service.client.analysis()
    }

    /// Uploads as the harness's user (private); returns the analysis id and the answer.
    pub async fn upload_ok(&self, bytes: Vec<u8>) -> (String, UploadAccepted) {
        let accepted = self
            .api()
            .upload(&CallContext::bearer(&self.user), bytes, None)
            .await
            .unwrap();
        (accepted.analysis_id.to_string(), accepted)
    }

    /// `GET` with the user's token, returning status and JSON.
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.user)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// `POST` JSON with the user's token.
    pub async fn post_json(&self, path: &str, body: &Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.user)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// A token for `subject` with `roles`.
    pub fn token(&self, subject: &str, roles: &[&str]) -> String {
        self.ctx.access_token(subject, roles)
    }

    /// A banned account's token.
    pub fn banned_token(&self, subject: &str) -> String {
        let mut claims = self.ctx.claims(subject, &["user"]);
        claims.status = Some("banned".into());
        self.ctx.sign(&claims)
    }

    /// An API-key token of `subject` limited to `scope` (space-separated action names).
    pub fn api_key_token(&self, subject: &str, scope: &str) -> String {
        let mut claims = self.ctx.claims(subject, &["user"]);
        claims.amr = vec!["api_key".into()];
        claims.scope = Some(scope.into());
        self.ctx.sign(&claims)
    }

    /// `method path` with `token` (none: a guest) and an optional JSON or raw body; returns
    /// the status and the body as JSON (`Null` when it is not JSON, e.g. sample bytes).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Body>,
    ) -> (u16, Value) {
        let mut request = match method {
            "POST" => self.http.post(self.url(path)),
            _ => self.http.get(self.url(path)),
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = match body {
            Some(Body::Json(json)) => request.json(&json),
            Some(Body::Bytes(bytes)) => request.body(bytes),
            None => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// `GET /v1/files/{sha256}` as the harness's user.
    pub async fn file(&self, sha256: &str) -> FileView {
        self.api()
            .get_file(&CallContext::bearer(&self.user), &sha256.parse().unwrap())
            .await
            .unwrap()
    }

    /// Uploads `bytes` as `token`'s account with `visibility`.
    pub async fn upload_as(
        &self,
        token: &str,
        bytes: Vec<u8>,
        visibility: SampleVisibility,
    ) -> UploadAccepted {
        self.api()
            .upload(&CallContext::bearer(token), bytes, Some(visibility))
            .await
            .unwrap()
    }

    /// Starts a retrohunt with YARA `source` as `token`'s account.
    pub async fn hunt(&self, token: &str, source: &str) -> RetrohuntView {
        let request = CreateRetrohunt {
            source: source.to_owned(),
            ruleset_id: None,
        };
        self.api()
            .create_retrohunt(&CallContext::bearer(token), &request)
            .await
            .unwrap()
    }

    /// Polls a retrohunt (as `token`) until it is completed or failed.
    pub async fn hunt_finished(&self, token: &str, id: impl Display) -> RetrohuntView {
        let id = id.to_string().parse().unwrap();
        let as_owner = CallContext::bearer(token);
        wait_until(&format!("retrohunt {id} to finish"), || async {
            let hunt = self.api().get_retrohunt(&as_owner, id).await.unwrap();
            matches!(
                hunt.status,
                RetrohuntStatus::Completed | RetrohuntStatus::Failed
            )
            .then_some(hunt)
        })
        .await
    }

    /// Polls the analysis (as the harness's user) until it is finished (fails after a minute).
    pub async fn finished(&self, analysis_id: impl Display) -> AnalysisView {
        let id = analysis_id.to_string().parse().unwrap();
        let as_user = CallContext::bearer(&self.user);
        wait_until(&format!("analysis {id} to finish"), || async {
            let analysis = self.api().get_analysis(&as_user, id).await.unwrap();
            matches!(
                analysis.status,
                AnalysisStatus::Completed | AnalysisStatus::Partial | AnalysisStatus::Failed
            )
            .then_some(analysis)
        })
        .await
    }

    /// The admin `/metrics` text.
    pub async fn metrics(&self) -> String {
        self.service.metrics_text().await.unwrap()
    }
}

/// Polls `probe` until it returns `Some` (a wait, not a timed assertion: the minute only
/// bounds a hung test).
pub async fn wait_until<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A request body of `size` bytes generated chunk by chunk (never held whole in memory).
pub fn generated_body(size: usize, seed: u8) -> reqwest::Body {
    const CHUNK: usize = 64 * 1024;
    let chunks = size.div_ceil(CHUNK);
    let body = stream::iter((0..chunks).map(move |index| {
        let length = CHUNK.min(size - index * CHUNK);
        let bytes: Vec<u8> = (0..length)
            .map(|offset| {
                let position = index * CHUNK + offset;
                (position as u8).wrapping_mul(31).wrapping_add(seed) ^ (position >> 12) as u8
            })
            .collect();
        Ok::<_, std::io::Error>(bytes)
    }));
    reqwest::Body::wrap_stream(body)
}

/// Resident memory of this process in KiB (Linux).
pub fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap()
}

/// A finished analysis's report as JSON, to check it against its documented schema
/// (docs/schemas/analysis-report.v1.json) path by path.
pub fn report_json(analysis: &AnalysisView) -> Value {
    serde_json::to_value(analysis.report.as_ref().unwrap()).unwrap()
}

/// Names (`namespace.rule`) of the YARA matches in a report.
pub fn yara_rules(report: &Value) -> Vec<String> {
    report["yara"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| {
            format!(
                "{}.{}",
                hit["namespace"].as_str().unwrap(),
                hit["rule"].as_str().unwrap()
            )
        })
        .collect()
}

/// A request body for [`Harness::call`].
pub enum Body {
    /// JSON.
    Json(Value),
    /// Raw bytes (an upload).
    Bytes(Vec<u8>),
}

/// Reads the next entry of `stream` (waiting for the relay to append it) as a consumer of
/// `group` that then "dies": it never acknowledges the entry, which stays pending.
pub async fn claim_without_acking(harness: &Harness, stream: &str, group: &str) -> StreamId {
    let client = redis::Client::open(harness.ctx.redis_url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{}{stream}", harness.ctx.redis_prefix);
    let _: Result<(), redis::RedisError> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&key)
        .arg(group)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(&mut redis)
        .await;
    wait_until("the relay to queue the job", || {
        let mut redis = redis.clone();
        let key = key.clone();
        async move {
            let reply: Option<redis::streams::StreamReadReply> = redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(group)
                .arg("doomed-worker")
                .arg("COUNT")
                .arg(1)
                .arg("STREAMS")
                .arg(&key)
                .arg(">")
                .query_async(&mut redis)
                .await
                .unwrap();
            reply.and_then(|reply| reply.keys.into_iter().next()?.ids.into_iter().next())
        }
    })
    .await
}

/// How many `name` events (e.g. `AnalysisCompleted`) the outbox holds for `analysis_id`.
pub async fn outbox_events(pool: &sqlx::PgPool, name: &str, analysis_id: &str) -> i64 {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM analysis.outbox WHERE envelope->>'name' = $1
         AND envelope->'payload'->>'analysis_id' = $2"#,
        name,
        analysis_id,
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// A free local TCP port (for a binary the test starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The auth service's JWKS, served by the test on its own HTTP server (a binary the test starts
/// verifies tokens against it): its URL and the server's handle.
pub fn serve_jwks(document: Value) -> (String, actix_web::dev::ServerHandle) {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let document = web::Data::new(document);
    let server = HttpServer::new(move || {
        App::new().app_data(document.clone()).route(
            "/.well-known/jwks.json",
            web::get().to(|document: web::Data<Value>| async move {
                HttpResponse::Ok().json(document.get_ref())
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://{address}/.well-known/jwks.json"), handle)
}
