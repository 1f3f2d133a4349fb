//! A user service per test (fresh database and Redis prefix) and small HTTP helpers.

use nexus_proto::user::{PrivateProfile, RegisterRequest};
use nexus_testkit::nexus_client::CallContext;
use nexus_testkit::{TestContext, TestService};
use nexus_user::UserService;
use nexus_user::settings::{PasswordHashSettings, UserSettings};
use reqwest::StatusCode;
use serde_json::Value;

/// A password zxcvbn scores 4.
pub const STRONG_PASSWORD: &str = "tangerine orbit quietly 71 lamps";

/// One running service and its test context (dropped after the service).
pub struct TestApp {
    pub service: TestService,
    pub context: TestContext,
    pub http: reqwest::Client,
}

/// The settings tests use: tiny Argon2 parameters (the minimums waived in code).
pub fn fast_settings() -> UserSettings {
    UserSettings {
        password_hash: PasswordHashSettings::insecure_for_tests(),
        ..UserSettings::default()
    }
}

impl TestApp {
    /// A service with [`fast_settings`].
    pub async fn spawn() -> Self {
        Self::spawn_with(fast_settings()).await
    }

    /// A service with `settings` on a fresh context.
    pub async fn spawn_with(settings: UserSettings) -> Self {
        let context = TestContext::new().await.expect("test context");
        Self::spawn_in(context, settings).await
    }

    /// A service with `settings` on an existing context (a second instance, same database).
    pub async fn spawn_in(context: TestContext, settings: UserSettings) -> Self {
        let mut all = context.settings::<UserSettings>();
        all.service = settings;
        let service = context
            .spawn_with::<UserService>(all)
            .await
            .expect("service starts");
        // Sends the service token, as nexus-auth and the gateway do on internal calls.
        let http = context.service_http_client();
        Self {
            service,
            context,
            http,
        }
    }

    /// Stops the service and returns the context, to start another instance on it.
    pub async fn stop(self) -> TestContext {
        let report = self.service.running.shutdown().await;
        assert!(report.is_clean(), "{report:?}");
        self.context
    }

    /// A URL on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base_url())
    }

    /// Sends `method path` with an optional JSON body and bearer token.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// An access token for `user_id` with `roles`, signed with this context's test key.
    pub fn token(&self, user_id: &str, roles: &[&str]) -> String {
        self.context.access_token(user_id, roles)
    }

    /// An administrator's token whose session passed a second factor (privilege changes
    /// need one).
    pub fn admin_mfa_token(&self, user_id: &str) -> String {
        let mut claims = self.context.claims(user_id, &["admin"]);
        claims.amr = vec!["pwd".into(), "otp".into(), "mfa".into()];
        self.context.sign(&claims)
    }

    /// Sends `method path` with a JSON body (or none) as the holder of `token`.
    pub async fn call_as(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call(method, path, body, Some(token)).await
    }

    /// A pool on this test's database (for arrange steps and direct store calls).
    pub async fn pool(&self) -> sqlx::PgPool {
        sqlx::PgPool::connect(&self.context.database.url)
            .await
            .expect("database")
    }

    /// POST JSON without a token.
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(body), None)
            .await
    }

    /// GET without a token.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, None, None).await
    }

    /// Registers `username` and returns `(user_id, token with role user)`.
    pub async fn signed_up(&self, username: &str) -> (String, String) {
        let profile = self.register(username).await;
        let id = profile.public.user_id.to_string();
        let token = self.token(&id, &["user"]);
        (id, token)
    }

    /// Registers `username` with `<username>@example.org` and the strong password; returns
    /// the private profile.
    pub async fn register(&self, username: &str) -> PrivateProfile {
        self.register_with(RegisterRequest {
            email: format!("{username}@example.org"),
            username: username.to_owned(),
            password: STRONG_PASSWORD.to_owned(),
            referral_code: None,
        })
        .await
    }

    /// Registers through the typed client (201 expected).
    pub async fn register_with(&self, request: RegisterRequest) -> PrivateProfile {
        self.service
            .client
            .users()
            .register(&CallContext::none(), &request)
            .await
            .expect("registered")
    }

    /// The stored PHC string of `user_id`.
    pub async fn stored_hash(&self, user_id: &str) -> String {
        let pool = sqlx::PgPool::connect(&self.context.database.url)
            .await
            .expect("database");
        let id = uuid::Uuid::parse_str(user_id).unwrap();
        let hash =
            sqlx::query_scalar!("SELECT password_hash FROM users.accounts WHERE id = $1", id)
                .fetch_one(&pool)
                .await
                .expect("account row");
        pool.close().await;
        hash
    }

    /// Sets the account's status straight in the table (an arrange step that needs no
    /// administrator).
    pub async fn set_status_in_database(&self, user_id: &str, status: &str) {
        let pool = sqlx::PgPool::connect(&self.context.database.url)
            .await
            .expect("database");
        sqlx::query!(
            "UPDATE users.accounts SET status = $2 WHERE id = $1",
            uuid::Uuid::parse_str(user_id).unwrap(),
            status,
        )
        .execute(&pool)
        .await
        .expect("statement");
        pool.close().await;
    }

    /// Names of the events in the outbox, oldest first.
    pub async fn outbox_events(&self) -> Vec<String> {
        let pool = sqlx::PgPool::connect(&self.context.database.url)
            .await
            .expect("database");
        let names = sqlx::query_scalar!(
            r#"SELECT envelope->>'name' AS "name!" FROM users.outbox ORDER BY created_at, id"#
        )
        .fetch_all(&pool)
        .await
        .expect("outbox");
        pool.close().await;
        names
    }
}

/// `(m, t, p)` of a PHC string `$argon2id$v=19$m=..,t=..,p=..$salt$hash`.
pub fn argon2_parameters(phc: &str) -> (u32, u32, u32) {
    let parts: Vec<&str> = phc.split('$').collect();
    assert_eq!(parts[1], "argon2id", "{phc}");
    assert_eq!(parts[2], "v=19", "{phc}");
    let mut values = parts[3].split(',').map(|pair| {
        let (_, value) = pair.split_once('=').unwrap();
        value.parse::<u32>().unwrap()
    });
    (
        values.next().unwrap(),
        values.next().unwrap(),
        values.next().unwrap(),
    )
}
