//! The platform as clients see it, for end-to-end tests: nexus-auth, nexus-user and
//! nexus-analysis started in-process on one database and Redis namespace, behind a real
//! nexus-gateway. Every process learns the auth service's signing keys from its JWKS (fetched,
//! not configured), exactly as deployed.
//!
//! [`start_market`] adds the marketplace on a real chain (the process's anvil with the contracts,
//! `TestChain::shared()`): nexus-bounty with its relayer and nexus-chain-listener, routed by the
//! gateway (`/api/v1/bounties`, `/api/v1/chain`) and feeding its `bounties` and `bounty:{id}`
//! WebSocket topics, and nexus-reputation reading the listener's chain events (`/api/v1/reputation`,
//! `/api/v1/leaderboards`, `/api/v1/files/{sha256}/verdict`).

// Each test binary uses the part of the harness it needs.
#![allow(dead_code)]

use std::net::TcpListener;
use std::time::{Duration, Instant};

use nexus_analysis::settings::AnalysisSettings;
use nexus_auth::settings::AuthSettings;
use nexus_bounty::relayer::RelayerSettings;
use nexus_bounty::settings::BountySettings;
use nexus_chain_listener::settings::ChainListenerSettings;
use nexus_gateway::settings::GatewaySettings;
use nexus_notification::settings::NotificationSettings;
use nexus_proto::auth::{LoginRequest, LoginResponse};
use nexus_proto::user::RegisterRequest;
use nexus_reputation::settings::ReputationSettings;
use nexus_testkit::chain::{TestAccount, TestChain};
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
    /// The marketplace, when started with [`start_market`].
    pub market: Option<Market>,
    dirs: Vec<std::path::PathBuf>,
}

/// The marketplace part of a [`Platform`]: the chain and the two chain-facing services.
pub struct Market {
    /// The process's anvil with the contracts deployed.
    pub chain: TestChain,
    /// nexus-bounty, its relayer sending with [`Market::relayer`]'s key.
    pub bounty: TestService,
    /// nexus-chain-listener, confirming at depth [`MARKET_CONFIRMATIONS`].
    pub listener: TestService,
    /// The platform's relayer account (a fresh key with ETH, no NXS): it pays every gas.
    pub relayer: TestAccount,
    /// nexus-reputation, scoring the listener's settled bounties (asks nexus-user for wallet
    /// owners and nexus-analysis for file types).
    pub reputation: TestService,
    /// nexus-notification: the inbox, preferences, follows and webhooks of the platform's
    /// accounts (e-mail off: no SMTP server here; its own tests send to a real one). Its
    /// webhooks may reach the test's own receivers on 127.0.0.0/8.
    pub notification: TestService,
}

/// The confirmation depth the market's chain listener waits for. anvil mines a block per
/// transaction and none in between, so a log becomes an event only once a later block exists:
/// a test decides when by mining one ([`TestChain::mine`]), which makes "the event is not out
/// yet" a state the test controls rather than a race it hopes to win.
pub const MARKET_CONFIRMATIONS: u64 = 1;

/// How often the relayer and the listener look at the chain in tests (the defaults are seconds).
const MARKET_POLL: Duration = Duration::from_millis(50);
/// How often nexus-bounty's scheduler and chain clock look in these tests.
const SCHEDULER_POLL: Duration = Duration::from_millis(250);

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
    launch(configure_gateway, false, |_| {}).await
}

/// [`start`] plus the marketplace ([`Market`]) on `TestChain::shared()`, the gateway routing
/// `bounty`, `chain` and `reputation` to it.
pub async fn start_market() -> Platform {
    launch(|_| {}, true, |_| {}).await
}

/// [`start_market`] with the gateway's settings adjusted first (e.g. the dashboard's directory,
/// tests/tests/dashboard.rs).
pub async fn start_market_with(configure_gateway: impl FnOnce(&mut GatewaySettings)) -> Platform {
    launch(configure_gateway, true, |_| {}).await
}

/// [`start_market`] with nexus-notification's settings adjusted first (e-mail to a test's SMTP
/// server, webhooks to its receiver's port; tests/tests/notifications.rs).
pub async fn start_market_notifying(
    configure_notification: impl FnOnce(&mut NotificationSettings),
) -> Platform {
    launch(|_| {}, true, configure_notification).await
}

/// [`start_market_notifying`] with the gateway's settings adjusted too (the dashboard's directory
/// and a webhook receiver's port; tests/tests/dashboard_settings.rs).
pub async fn start_market_notifying_with(
    configure_gateway: impl FnOnce(&mut GatewaySettings),
    configure_notification: impl FnOnce(&mut NotificationSettings),
) -> Platform {
    launch(configure_gateway, true, configure_notification).await
}

async fn launch(
    configure_gateway: impl FnOnce(&mut GatewaySettings),
    with_market: bool,
    configure_notification: impl FnOnce(&mut NotificationSettings),
) -> Platform {
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
    // A retrohunt whose owner's role or status changed reads the account there.
    analysis.service.user_url = user_url.clone();
    let analysis = context
        .spawn_with::<nexus_analysis::AnalysisService>(analysis)
        .await
        .unwrap();

    let market = if with_market {
        Some(
            start_chain_services(
                &context,
                &jwks_url,
                &user_url,
                &analysis_url,
                configure_notification,
            )
            .await,
        )
    } else {
        None
    };

    let mut gateway = context.settings::<GatewaySettings>();
    gateway.runtime.tokens.jwks = None;
    gateway.runtime.tokens.jwks_url = Some(jwks_url);
    let bounty_url = market.as_ref().map(|market| market.bounty.base_url());
    let chain_url = market.as_ref().map(|market| market.listener.base_url());
    let reputation_url = market.as_ref().map(|market| market.reputation.base_url());
    let notification_url = market.as_ref().map(|market| market.notification.base_url());
    for (name, url) in gateway.service.upstreams.iter_mut() {
        let target = match name.as_str() {
            "auth" => Some(auth_url.clone()),
            "user" => Some(user_url.clone()),
            "analysis" => Some(analysis_url.clone()),
            "bounty" => bounty_url.clone(),
            "chain" => chain_url.clone(),
            "reputation" => reputation_url.clone(),
            "notification" => notification_url.clone(),
            _ => None,
        };
        if let Some(target) = target {
            *url = url::Url::parse(&target).unwrap();
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
        market,
        dirs: vec![keys_dir, samples_dir],
    }
}

/// nexus-bounty (asking the user and analysis services at `user_url`/`analysis_url`, its relayer
/// on a fresh funded key) and nexus-chain-listener, both on the process's shared chain, and
/// nexus-reputation (asking the same user and analysis services), all validating tokens with the
/// auth service's JWKS.
async fn start_chain_services(
    context: &TestContext,
    jwks_url: &url::Url,
    user_url: &str,
    analysis_url: &str,
    configure_notification: impl FnOnce(&mut NotificationSettings),
) -> Market {
    let chain = TestChain::shared().await.unwrap();
    let relayer = chain.account().await.unwrap();

    let mut bounty = context.settings::<BountySettings>();
    bounty.runtime.tokens.jwks = None;
    bounty.runtime.tokens.jwks_url = Some(jwks_url.clone());
    bounty.service.chain = chain.settings();
    bounty.service.user_url = user_url.to_owned();
    bounty.service.analysis_url = analysis_url.to_owned();
    bounty.service.relayer = RelayerSettings {
        private_key: Some(alloy::hex::encode(relayer.signer.to_bytes()).into()),
        poll_interval: MARKET_POLL,
        ..RelayerSettings::default()
    };
    // The scheduler (and the chain clock it judges deadlines by) looks often: the test waits
    // for it to pay the treasury once the dispute window is over.
    bounty.service.scheduler.interval = SCHEDULER_POLL;
    let bounty = context
        .spawn_with::<nexus_bounty::BountyService>(bounty)
        .await
        .unwrap();

    let mut listener = context.settings::<ChainListenerSettings>();
    listener.runtime.tokens.jwks = None;
    listener.runtime.tokens.jwks_url = Some(jwks_url.clone());
    listener.service.chain = chain.settings();
    listener.service.chain.confirmations = MARKET_CONFIRMATIONS;
    listener.service.poll_interval = MARKET_POLL;
    let listener = context
        .spawn_with::<nexus_chain_listener::ChainListenerService>(listener)
        .await
        .unwrap();

    let mut reputation = context.settings::<ReputationSettings>();
    reputation.runtime.tokens.jwks = None;
    reputation.runtime.tokens.jwks_url = Some(jwks_url.clone());
    reputation.service.user_url = user_url.to_owned();
    reputation.service.analysis_url = analysis_url.to_owned();
    let reputation = context
        .spawn_with::<nexus_reputation::ReputationService>(reputation)
        .await
        .unwrap();

    let mut notification = context.settings::<NotificationSettings>();
    notification.runtime.tokens.jwks = None;
    notification.runtime.tokens.jwks_url = Some(jwks_url.clone());
    notification.service.email.enabled = false;
    notification.service.email.user_url = user_url.to_owned();
    notification.service.webhooks.allow = vec!["127.0.0.0/8".to_owned()];
    configure_notification(&mut notification.service);
    let notification = context
        .spawn_with::<nexus_notification::NotificationService>(notification)
        .await
        .unwrap();
    Market {
        chain,
        bounty,
        listener,
        relayer,
        reputation,
        notification,
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

    /// The marketplace; panics on a platform started without it ([`start_market`]).
    pub fn market(&self) -> &Market {
        self.market
            .as_ref()
            .expect("the platform was started with start_market()")
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
