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
use nexus_proto::auth::{LoginRequest, LoginResponse};
use nexus_proto::user::RegisterRequest;
use nexus_testkit::nexus_client::{CallContext, ClientSettings, ServiceClient};
use nexus_testkit::{TestContext, TestService};
use nexus_user::settings::UserSettings;

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
    /// The public API through the gateway (`/api`), as a client outside the platform calls it:
    /// `platform.api.users().get_me(&CallContext::bearer(token))`.
    pub api: ServiceClient,
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
    let api = ServiceClient::new(
        "nexus-gateway",
        &format!("{}/api", gateway.base_url()),
        outsider_settings(),
    )
    .unwrap();
    Platform {
        context,
        api,
        gateway,
        auth,
        user,
        analysis,
        http: reqwest::Client::new(),
        dirs: vec![keys_dir, samples_dir],
    }
}

/// A client outside the platform: no service token, no retries (a test sees every answer as
/// it came) and a breaker that never opens on a test's deliberate failures.
fn outsider_settings() -> ClientSettings {
    ClientSettings {
        retries: 0,
        breaker_failure_threshold: u32::MAX,
        ..ClientSettings::default()
    }
}

impl Platform {
    /// The gateway's URL for `path` (`/api/v1/...`, `/ws`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.base_url())
    }

    /// Registers `name` through the gateway and signs in.
    pub async fn sign_up(&self, name: &str) -> Account {
        let request = RegisterRequest {
            email: format!("{name}@nexus.test"),
            username: name.to_owned(),
            password: PASSWORD.to_owned(),
            referral_code: None,
        };
        self.api
            .users()
            .register(&CallContext::none(), &request)
            .await
            .unwrap();
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
        let request = LoginRequest {
            login: login.to_owned(),
            password: PASSWORD.to_owned(),
        };
        let answer = self
            .api
            .auth()
            .login(&CallContext::none(), &request)
            .await
            .unwrap();
        let tokens = match answer {
            LoginResponse::Tokens(tokens) => Some(tokens),
            LoginResponse::MfaRequired(_) => None,
        };
        tokens
            .expect("the account has no second factor")
            .access_token
    }

    /// Waits until every process knows the key that signed `token` (the JWKS is fetched in the
    /// background) and returns the token's user id.
    pub async fn wait_for_token(&self, token: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        let as_owner = CallContext::bearer(token);
        loop {
            let error = match self.api.users().get_me(&as_owner).await {
                Ok(me) => return me.public.user_id.to_string(),
                Err(error) => error,
            };
            // Refused (the key is not known everywhere yet): ask again.
            assert!(
                error.status().is_some(),
                "GET /api/v1/users/me failed: {error}"
            );
            assert!(
                Instant::now() < deadline,
                "the token never validated: {error}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
