//! Both identity services for one test, plus a few calls.

use std::path::PathBuf;
use std::sync::Arc;

use nexus_auth::AuthService;
use nexus_auth::clock::{ClockHandle, FakeClock};
use nexus_auth::settings::{AuthSettings, SigningAlgorithm};
use nexus_proto::auth::{AuditEntry, AuditQuery, LoginRequest, LoginResponse, TokenPair};
use nexus_proto::user::RegisterRequest;
use nexus_testkit::nexus_client::CallContext;
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
        let request = RegisterRequest {
            email: email.clone(),
            username: username.clone(),
            password: PASSWORD.to_owned(),
            referral_code: None,
        };
        let profile = self
            .user
            .client
            .users()
            .register(&CallContext::none(), &request)
            .await
            .unwrap();
        Account {
            id: profile.public.user_id.to_string(),
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

    /// Signs `account` (without a second factor) in with [`PASSWORD`]; returns the token pair.
    pub async fn sign_in(&self, account: &Account) -> TokenPair {
        let request = LoginRequest {
            login: account.email.clone(),
            password: PASSWORD.to_owned(),
        };
        let answer = self
            .auth
            .client
            .auth()
            .login(&CallContext::none(), &request)
            .await
            .unwrap();
        let tokens = match answer {
            LoginResponse::Tokens(tokens) => Some(tokens),
            LoginResponse::MfaRequired(_) => None,
        };
        tokens.expect("the account has no second factor")
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
    pub async fn audit(&self, kind: &str) -> Vec<AuditEntry> {
        let admin = self.ctx.as_user(&Uuid::now_v7().to_string(), &["admin"]);
        let filter = AuditQuery {
            kind: Some(kind.to_owned()),
            ..AuditQuery::default()
        };
        self.auth
            .client
            .auth()
            .list_audit(&admin, &filter)
            .await
            .unwrap()
            .entries
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
