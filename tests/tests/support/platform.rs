//! The platform as clients see it, for end-to-end tests: nexus-auth, nexus-user and
//! nexus-analysis started in-process on one database and Redis namespace, behind a real
//! nexus-gateway. Every process learns the auth service's signing keys from its JWKS (fetched,
//! not configured), exactly as deployed.

// Each test binary uses the part of the harness it needs.
#![allow(dead_code)]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use nexus_analysis::settings::AnalysisSettings;
use nexus_auth::settings::AuthSettings;
use nexus_gateway::settings::GatewaySettings;
use nexus_testkit::{TestContext, TestService};
use nexus_user::settings::UserSettings;
use serde_json::{Value, json};

/// The password every test account gets; nexus-user's policy accepts it.
pub const PASSWORD: &str = "correct horse battery staple 42!";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The running services of one test; dropping it stops them and removes the signing keys.
pub struct Platform {
    pub context: TestContext,
    pub gateway: TestService,
    pub auth: TestService,
    pub user: TestService,
    pub analysis: TestService,
    pub http: reqwest::Client,
    dirs: Vec<std::path::PathBuf>,
}

impl Drop for Platform {
    fn drop(&mut self) {
        for dir in &self.dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A signed-in account: its id and access token.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub token: String,
}

/// auth, user, analysis and the gateway in front of them, with the gateway's default settings.
pub async fn start() -> Platform {
    start_with(|_| {}).await
}

/// Like [`start`], with the gateway's settings adjusted first (e.g. rate limits off for a test
/// that sends hundreds of requests from one address).
pub async fn start_with(configure_gateway: impl FnOnce(&mut GatewaySettings)) -> Platform {
    let context = TestContext::new().await.unwrap();
    let (auth_port, user_port, analysis_port) = (free_port(), free_port(), free_port());
    let auth_url = format!("http://127.0.0.1:{auth_port}");
    let user_url = format!("http://127.0.0.1:{user_port}");
    let analysis_url = format!("http://127.0.0.1:{analysis_port}");
    let jwks_url = url::Url::parse(&format!("{auth_url}/.well-known/jwks.json")).unwrap();
    let unique = uuid::Uuid::now_v7().simple().to_string();
    let keys_dir = std::env::temp_dir().join(format!("nexus-e2e-keys-{unique}"));
    let samples_dir = std::env::temp_dir().join(format!("nexus-e2e-samples-{unique}"));

    let mut auth = context.settings::<AuthSettings>();
    auth.runtime.server.http_addr = format!("127.0.0.1:{auth_port}").parse().unwrap();
    auth.service.keys_dir = keys_dir.clone();
    auth.service.user_url = user_url.clone();
    // Auth first: the others fetch its JWKS at start (auth only needs the user service's
    // address, not the service, to start).
    let auth = context
        .spawn_with::<nexus_auth::AuthService>(auth)
        .await
        .unwrap();

    let mut user = context.settings::<UserSettings>();
    user.runtime.server.http_addr = format!("127.0.0.1:{user_port}").parse().unwrap();
    user.runtime.tokens.jwks = None;
    user.runtime.tokens.jwks_url = Some(jwks_url.clone());
    let user = context
        .spawn_with::<nexus_user::UserService>(user)
        .await
        .unwrap();

    let mut analysis = context.settings::<AnalysisSettings>();
    analysis.runtime.server.http_addr = format!("127.0.0.1:{analysis_port}").parse().unwrap();
    analysis.runtime.tokens.jwks = None;
    analysis.runtime.tokens.jwks_url = Some(jwks_url.clone());
    analysis.service.store_dir = samples_dir.clone();
    let analysis = context
        .spawn_with::<nexus_analysis::AnalysisService>(analysis)
        .await
        .unwrap();

    let mut gateway = context.settings::<GatewaySettings>();
    gateway.runtime.tokens.jwks = None;
    gateway.runtime.tokens.jwks_url = Some(jwks_url);
    for (name, url) in gateway.service.upstreams.iter_mut() {
        match name.as_str() {
            "auth" => *url = url::Url::parse(&auth_url).unwrap(),
            "user" => *url = url::Url::parse(&user_url).unwrap(),
            "analysis" => *url = url::Url::parse(&analysis_url).unwrap(),
            _ => {}
        }
    }
    configure_gateway(&mut gateway.service);
    let gateway = context
        .spawn_with::<nexus_gateway::GatewayService>(gateway)
        .await
        .unwrap();
    Platform {
        context,
        gateway,
        auth,
        user,
        analysis,
        http: reqwest::Client::new(),
        dirs: vec![keys_dir, samples_dir],
    }
}

impl Platform {
    /// The gateway's URL for `path` (`/api/v1/...`, `/ws`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base_url())
    }

    /// Registers `name` through the gateway and signs in (expects 201 and 200).
    pub async fn sign_up(&self, name: &str) -> Account {
        let registered = self
            .http
            .post(self.url("/api/v1/users"))
            .json(&json!({"email": format!("{name}@nexus.test"), "username": name, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            registered.status(),
            201,
            "{}",
            registered.text().await.unwrap()
        );
        let token = self.sign_in(name).await;
        let id = self.wait_for_token(&token).await;
        Account {
            id,
            username: name.to_owned(),
            token,
        }
    }

    /// Signs `login` in with [`PASSWORD`] through the gateway; returns the access token.
    pub async fn sign_in(&self, login: &str) -> String {
        let response = self
            .http
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({"login": login, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        let tokens: Value = response.json().await.unwrap();
        tokens["access_token"].as_str().unwrap().to_owned()
    }

    /// Waits until every process knows the key that signed `token` (the JWKS is fetched in the
    /// background) and returns the token's user id.
    pub async fn wait_for_token(&self, token: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let me = self
                .http
                .get(self.url("/api/v1/users/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            if me.status() == 200 {
                let me: Value = me.json().await.unwrap();
                return me["user_id"].as_str().unwrap().to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "the token never validated: {}",
                me.text().await.unwrap()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
