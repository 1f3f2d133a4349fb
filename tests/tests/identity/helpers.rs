//! Both identity services for one test, plus a few calls.

use std::path::PathBuf;
use std::sync::Arc;

use nexus_auth::AuthService;
use nexus_auth::clock::{ClockHandle, FakeClock};
use nexus_auth::settings::{AuthSettings, SigningAlgorithm};
use nexus_testkit::{TestContext, TestService};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// 2023-11-14T22:13:20Z: the fake clock's start.
pub const START: i64 = 1_700_000_000;
/// A password nexus-user accepts.
pub const PASSWORD: &str = "correct horse battery staple 42!";

pub struct Identity {
    pub ctx: TestContext,
    pub user: TestService,
    pub auth: TestService,
    pub clock: Arc<FakeClock>,
    pub http: reqwest::Client,
    keys_dir: PathBuf,
}

impl Drop for Identity {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.keys_dir);
    }
}

/// Starts nexus-user, then nexus-auth pointed at it (EdDSA keys, fake clock).
pub async fn start(configure: impl FnOnce(&mut AuthSettings)) -> Identity {
    let ctx = TestContext::new().await.unwrap();
    let user = ctx.spawn::<nexus_user::UserService>().await.unwrap();
    let keys_dir = std::env::temp_dir().join(format!("nexus-identity-{}", Uuid::now_v7().simple()));
    let clock = Arc::new(FakeClock::at_unix(START));
    let mut settings = ctx.settings::<AuthSettings>();
    settings.service.user_url = user.base_url();
    settings.service.keys_dir = keys_dir.clone();
    settings.service.signing_algorithm = SigningAlgorithm::Eddsa;
    settings.service.clock = ClockHandle(clock.clone());
    configure(&mut settings.service);
    let auth = ctx.spawn_with::<AuthService>(settings).await.unwrap();
    Identity {
        ctx,
        user,
        auth,
        clock,
        http: reqwest::Client::new(),
        keys_dir,
    }
}

pub struct Account {
    pub id: String,
    pub username: String,
    pub email: String,
}

impl Identity {
    /// Registers a fresh account with [`PASSWORD`].
    pub async fn register(&self) -> Account {
        let suffix = &Uuid::now_v7().simple().to_string()[20..];
        let username = format!("user{suffix}");
        let email = format!("{username}@example.com");
        let response = self
            .http
            .post(format!("{}/v1/users", self.user.base_url()))
            .json(&json!({"email": email, "username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let body = expect(response, StatusCode::CREATED, None).await;
        let id = body["user_id"]
            .as_str()
            .expect("registration answers the user_id")
            .to_owned();
        Account {
            id,
            username,
            email,
        }
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.auth.base_url()))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// `POST /v1/auth/login` from `ip` (sent as `X-Forwarded-For`; trusted only when the test
    /// turns `trust_forwarded_for` on).
    pub async fn login_from(&self, ip: &str, login: &str, password: &str) -> Response {
        self.http
            .post(format!("{}/v1/auth/login", self.auth.base_url()))
            .header("x-forwarded-for", ip)
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Signs `account` in with [`PASSWORD`] and returns the token pair (expects 200).
    pub async fn sign_in(&self, account: &Account) -> Value {
        expect(
            self.login(&account.email, PASSWORD).await,
            StatusCode::OK,
            None,
        )
        .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.post(
            "/v1/auth/login",
            None,
            &json!({"login": login, "password": password}),
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.post(
            "/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh_token}),
        )
        .await
    }

    /// Audit rows of `kind`, newest first, read through the admin endpoint.
    pub async fn audit(&self, kind: &str) -> Vec<Value> {
        let token = self
            .ctx
            .access_token(&Uuid::now_v7().to_string(), &["admin"]);
        let response = self
            .http
            .get(format!("{}/v1/audit?kind={kind}", self.auth.base_url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let page = expect(response, StatusCode::OK, None).await;
        page["entries"].as_array().unwrap().clone()
    }
}

/// Asserts status and error code; returns the body.
pub async fn expect(response: Response, status: StatusCode, code: Option<&str>) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    if let Some(code) = code {
        assert_eq!(body["code"], code, "{body}");
    }
    body
}
