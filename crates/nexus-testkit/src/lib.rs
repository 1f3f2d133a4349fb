//! Test support shared by every crate's integration tests.
//!
//! - [`TestContext`]: a fresh PostgreSQL database (cloned from a migrated template, so it costs
//!   milliseconds) and a unique Redis key prefix, both removed when the context is dropped. Tests
//!   never share state, so they run in parallel without `#[serial]`.
//! - [`TestContext::spawn`]: starts any service in-process on port 0 through the same
//!   `nexus_runtime::start` production uses, and hands back its client:
//!   `service.client.users().get_me(&context.as_user(id, &["user"]))` calls an endpoint in the
//!   service's wire types ([`nexus_client::UserClient`], `AuthClient`, `AnalysisClient`), and
//!   `service.client` itself (or reqwest) sends what the types would refuse, for tests of
//!   malformed input.
//! - [`lifecycle`]: the checks every service binary must pass (ready, metrics, graceful
//!   shutdown in-process, and SIGTERM on the real binary).
//! - [`redis_server`]: a private `redis-server` process, for tests that must stop Redis.
//! - [`mail_sink`]: a real SMTP server (MailDev from `tools/mailsink`) read over its REST API.
//! - [`webhook_receiver`]: a real HTTP receiver of webhooks, and the Standard Webhooks reference
//!   library's check of what it received.
//! - [`fixtures`]: the repository's binary test fixtures (`fixtures/binaries`), for every crate.
//! - `chain` (cargo feature `chain`): anvil with the Nexus contracts deployed, per test
//!   process, with funded fresh accounts, time travel and snapshots (`chain::TestChain`).
//!
//! The servers come from `TEST_NEXUS_DATABASE_URL` / `TEST_NEXUS_REDIS_URL`, defaulting to the
//! local instances `scripts/test.sh` makes sure are running.

#[cfg(feature = "chain")]
pub mod chain;
pub mod fixtures;
pub mod lifecycle;
pub mod mail_sink;
pub mod redis_server;
pub mod tokens;
pub mod webhook_receiver;

use std::time::Duration;

use nexus_client::{CallContext, ClientSettings, ServiceClient};
use nexus_config::ServiceKind;
use nexus_db::testing::{TestDatabase, server_url_from_env};
use nexus_runtime::{Running, RuntimeSettings, Service, Settings};
use secrecy::SecretString;
pub use tokens::TestTokens;

/// The clients [`TestService::client`] names (`UserClient`, `AuthClient`, `AnalysisClient`,
/// [`CallContext`]), so a service's tests need no dependency of their own on it.
pub use nexus_client;
pub use nexus_db::testing::TEST_DATABASE_URL_VAR;

/// Environment variable naming the Redis server tests use.
pub const TEST_REDIS_URL_VAR: &str = "TEST_NEXUS_REDIS_URL";

/// The Redis tests use: `TEST_NEXUS_REDIS_URL`, else `redis://127.0.0.1:6379`.
pub fn redis_url_from_env() -> String {
    std::env::var(TEST_REDIS_URL_VAR).unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Why the test environment could not be prepared; tests fail with this message.
pub type TestError = Box<dyn std::error::Error + Send + Sync>;

/// One test's private database and Redis namespace.
#[derive(Debug)]
pub struct TestContext {
    /// The fresh database.
    pub database: TestDatabase,
    /// Redis server URL.
    pub redis_url: String,
    /// Unique prefix for every Redis key this test's services touch.
    pub redis_prefix: String,
    /// The signer whose access tokens this context's services accept.
    pub tokens: TestTokens,
    /// The service token this context's services send and require on `/internal/*`.
    pub service_token: String,
}

impl TestContext {
    /// A fresh database and Redis prefix. Fails with a message naming the server when
    /// PostgreSQL or Redis is not reachable (run the suite through `scripts/test.sh`).
    pub async fn new() -> Result<Self, TestError> {
        // Tests build reqwest clients before (or without) starting a service.
        nexus_runtime::install_crypto_provider();
        let server = server_url_from_env();
        let database = TestDatabase::create(&server).await.map_err(|error| {
            format!("PostgreSQL at {TEST_DATABASE_URL_VAR} (default local) is not usable: {error}")
        })?;
        let redis_url = redis_url_from_env();
        let redis_prefix = format!("test:{}:", uuid::Uuid::now_v7().simple());
        Ok(Self {
            database,
            redis_url,
            redis_prefix,
            tokens: TestTokens::generate()?,
            service_token: format!("test-service-token-{}", uuid::Uuid::now_v7().simple()),
        })
    }

    /// Settings for a service under test: ports 0, this context's database and Redis prefix,
    /// one HTTP worker, migrations already applied (the template is migrated), short timeouts.
    pub fn settings<S: Default>(&self) -> Settings<S> {
        let mut runtime = RuntimeSettings::default();
        runtime.server.workers = 1;
        runtime.server.shutdown_timeout = Duration::from_secs(5);
        runtime.database.url = SecretString::from(self.database.url.clone());
        runtime.database.run_migrations = false;
        runtime.database.max_connections = 5;
        runtime.redis.url = SecretString::from(self.redis_url.clone());
        runtime.redis.key_prefix = self.redis_prefix.clone();
        runtime.outbox.poll_interval = Duration::from_millis(200);
        runtime.tokens = self.tokens.settings().clone();
        // Services under test decide with the shipped policies unless a test points them at
        // an auth service.
        runtime.policies.auth_url = None;
        runtime.service_auth.tokens = vec![SecretString::from(self.service_token.clone())];
        Settings {
            runtime,
            service: S::default(),
        }
    }

    /// Client settings that send this context's service token on internal calls (what the
    /// services' own clients do).
    pub fn client_settings(&self) -> ClientSettings {
        ClientSettings {
            service_token: Some(nexus_client::ServiceToken::new(SecretString::from(
                self.service_token.clone(),
            ))),
            ..ClientSettings::default()
        }
    }

    /// A plain HTTP client that sends this context's service token on every request (as a
    /// platform service would on its internal calls). Use `reqwest::Client::new()` to call as
    /// an outsider.
    #[allow(
        clippy::panic,
        reason = "test support: the token is printable ASCII and the builder takes no other input"
    )]
    pub fn service_http_client(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        let value =
            reqwest::header::HeaderValue::from_str(&self.service_token).unwrap_or_else(|error| {
                panic!("the test service token is not a header value: {error}")
            });
        headers.insert(nexus_client::SERVICE_TOKEN_HEADER, value);
        reqwest::Client::builder()
            .no_proxy()
            .default_headers(headers)
            .build()
            .unwrap_or_else(|error| panic!("building a test HTTP client failed: {error}"))
    }

    /// A valid access token (1 h, `amr: ["pwd"]`) for `subject` with `roles`, accepted by the
    /// services this context spawns.
    #[allow(
        clippy::panic,
        reason = "test support: signing with the context's own key cannot fail, and if it did the test must fail"
    )]
    pub fn access_token(&self, subject: &str, roles: &[&str]) -> String {
        self.tokens
            .access_token(subject, roles)
            .unwrap_or_else(|error| panic!("signing a test token failed: {error}"))
    }

    /// A call context carrying a valid access token for `subject` with `roles`, for the typed
    /// clients: `service.client.users().get_me(&context.as_user(id, &["user"]))`.
    pub fn as_user(&self, subject: &str, roles: &[&str]) -> CallContext {
        CallContext::bearer(self.access_token(subject, roles))
    }

    /// Claims like [`TestContext::access_token`]'s, to adjust before [`TestContext::sign`].
    pub fn claims(&self, subject: &str, roles: &[&str]) -> nexus_http::token::AccessClaims {
        self.tokens.claims(subject, roles)
    }

    /// Signs custom claims with this context's test key.
    #[allow(
        clippy::panic,
        reason = "test support: signing with the context's own key cannot fail, and if it did the test must fail"
    )]
    pub fn sign(&self, claims: &nexus_http::token::AccessClaims) -> String {
        self.tokens
            .sign(claims)
            .unwrap_or_else(|error| panic!("signing a test token failed: {error}"))
    }

    /// Starts `S` with [`TestContext::settings`].
    pub async fn spawn<S: Service>(&self) -> Result<TestService, TestError> {
        self.spawn_with::<S>(self.settings()).await
    }

    /// Starts `S` with the given settings (adjust [`TestContext::settings`] first).
    pub async fn spawn_with<S: Service>(
        &self,
        settings: Settings<S::Settings>,
    ) -> Result<TestService, TestError> {
        let running = nexus_runtime::start::<S>(settings).await?;
        let client = ServiceClient::new(
            S::KIND.binary_name(),
            &running.base_url(),
            self.client_settings(),
        )?;
        Ok(TestService {
            kind: S::KIND,
            running,
            client,
        })
    }
}

impl Drop for TestContext {
    fn drop(&mut self) {
        let url = self.redis_url.clone();
        let pattern = format!("{}*", self.redis_prefix);
        // Best effort: a synchronous connection on a helper thread, as Drop cannot await.
        let cleaner = std::thread::spawn(move || {
            let Ok(client) = redis::Client::open(url) else {
                return;
            };
            let Ok(mut connection) = client.get_connection() else {
                return;
            };
            let keys: Vec<String> = match redis::cmd("KEYS").arg(&pattern).query(&mut connection) {
                Ok(keys) => keys,
                Err(_) => return,
            };
            for chunk in keys.chunks(500) {
                let _: Result<(), _> = redis::cmd("DEL").arg(chunk).query(&mut connection);
            }
        });
        let _ = cleaner.join();
    }
}

/// A service started in-process for a test.
#[derive(Debug)]
pub struct TestService {
    /// Which service it is.
    pub kind: ServiceKind,
    /// The running service (addresses, shutdown).
    pub running: Running,
    /// A client pointed at it, sending the context's service token on internal calls:
    /// `client.users()`, `client.auth()`, `client.analysis()` name the endpoints in their wire
    /// types; its own `get`/`post` send anything to any path.
    pub client: ServiceClient,
}

impl TestService {
    /// `http://127.0.0.1:<port>` of the public listener.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// `http://127.0.0.1:<port>/metrics` on the admin listener.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.running.admin_addr())
    }

    /// The admin `/metrics` text (Prometheus exposition format).
    pub async fn metrics_text(&self) -> Result<String, TestError> {
        let client = reqwest::Client::builder().no_proxy().build()?;
        Ok(client.get(self.metrics_url()).send().await?.text().await?)
    }

    /// The value of the first metric line starting with `prefix` (name and labels, e.g.
    /// `nexus_x_total{outcome="ok"} `); 0 when there is none yet.
    pub async fn metric(&self, prefix: &str) -> Result<f64, TestError> {
        let text = self.metrics_text().await?;
        match text.lines().find_map(|line| line.strip_prefix(prefix)) {
            None => Ok(0.0),
            Some(value) => Ok(value.trim().parse()?),
        }
    }
}
