//! One auth service per test: its own database, Redis prefix, key directory and fake clock.

use std::path::PathBuf;
use std::sync::Arc;

use nexus_auth::AuthService;
use nexus_auth::clock::{ClockHandle, FakeClock};
use nexus_auth::settings::{AuthSettings, SigningAlgorithm};
use nexus_proto::auth::{CreateApiKeyRequest, CreatedApiKey};
use nexus_testkit::nexus_client::{AuthClient, CallContext};
use nexus_testkit::{TestContext, TestService};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use uuid::Uuid;

/// 2023-11-14T22:13:20Z, a fixed start for the fake clock.
pub const START: i64 = 1_700_000_000;

pub struct TestAuth {
    pub ctx: TestContext,
    pub service: TestService,
    pub clock: Arc<FakeClock>,
    pub keys_dir: PathBuf,
    pub http: reqwest::Client,
}

impl Drop for TestAuth {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.keys_dir);
    }
}

/// A fresh private key directory under the system temp directory.
pub fn temp_keys_dir() -> PathBuf {
    std::env::temp_dir().join(format!("nexus-auth-test-{}", Uuid::now_v7().simple()))
}

/// Starts nexus-auth (EdDSA keys unless `configure` says otherwise).
pub async fn spawn_auth(configure: impl FnOnce(&mut AuthSettings)) -> TestAuth {
    let ctx = TestContext::new().await.unwrap();
    let keys_dir = temp_keys_dir();
    let clock = Arc::new(FakeClock::at_unix(START));
    let mut settings = ctx.settings::<AuthSettings>();
    settings.service.keys_dir = keys_dir.clone();
    settings.service.signing_algorithm = SigningAlgorithm::Eddsa;
    settings.service.clock = ClockHandle(clock.clone());
    // No user service in these tests: calls to it fail fast.
    settings.service.user_url = "http://127.0.0.1:9".into();
    configure(&mut settings.service);
    let service = ctx.spawn_with::<AuthService>(settings).await.unwrap();
    // Sends the service token, as the gateway does on internal calls.
    let http = ctx.service_http_client();
    TestAuth {
        ctx,
        service,
        clock,
        keys_dir,
        http,
    }
}

impl TestAuth {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base_url())
    }

    /// A token for a new random user with `roles`.
    pub fn user_token(&self, roles: &[&str]) -> (Uuid, String) {
        let user_id = Uuid::now_v7();
        (user_id, self.ctx.access_token(&user_id.to_string(), roles))
    }

    /// An admin token whose session passed a second factor.
    pub fn admin_mfa_token(&self) -> (Uuid, String) {
        let user_id = Uuid::now_v7();
        let mut claims = self.ctx.claims(&user_id.to_string(), &["admin"]);
        claims.amr = vec!["pwd".into(), "otp".into(), "mfa".into()];
        (user_id, self.ctx.sign(&claims))
    }

    /// The service's typed client.
    pub fn api(&self) -> AuthClient {
        self.service.client.auth()
    }

    /// Creates an API key named `name` with `scopes` (and `tier`) as the holder of `token`.
    pub async fn create_key(
        &self,
        token: &str,
        name: &str,
        scopes: &[&str],
        tier: Option<&str>,
    ) -> CreatedApiKey {
        let request = CreateApiKeyRequest {
            name: name.to_owned(),
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
            tier: tier.map(str::to_owned),
            expires_in_days: None,
        };
        self.api()
            .create_api_key(&CallContext::bearer(token), &request)
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self.http.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.http
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Audit rows of `kind`, newest first, read straight from the table.
    pub async fn audit_rows(&self, kind: &str) -> Vec<(Option<String>, Option<String>, Value)> {
        sqlx::query!(
            "SELECT actor, subject, detail FROM auth.audit_log WHERE kind = $1 ORDER BY id DESC",
            kind,
        )
        .fetch_all(&self.ctx.database.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.actor, row.subject, row.detail))
        .collect()
    }
}

/// Asserts the status and error code of a response; returns the body.
pub async fn expect(response: Response, status: StatusCode, code: Option<&str>) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    if let Some(code) = code {
        assert_eq!(body["code"], code, "{body}");
    }
    body
}
