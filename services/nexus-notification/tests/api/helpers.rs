//! A nexus-notification per test (fresh database and Redis prefix), the source events published
//! on the real bus as their producers publish them, and small HTTP helpers.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use nexus_bus::{Bus, BusSettings};
use nexus_notification::NotificationService;
use nexus_notification::settings::NotificationSettings;
use nexus_proto::Envelope;
use nexus_proto::analysis::{AnalysisCompleted, AnalysisStatus};
use nexus_proto::bounty::{ArtifactKind, BountyStatus, BountyUpdated};
use nexus_proto::bounty_me::EarningsChanged;
use nexus_proto::notification::NoticePage;
use nexus_proto::report::VerdictHint;
use nexus_testkit::{TestContext, TestService};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::Value;
use uuid::Uuid;

/// The unsubscribe secret the tests sign with.
pub const SECRET: &str = "the test unsubscribe secret, at least 32 bytes long";

/// One running service and its test context (dropped after the service).
pub struct TestApp {
    pub service: TestService,
    pub context: TestContext,
    pub bus: Bus,
    pub settings: NotificationSettings,
    http: reqwest::Client,
}

impl TestApp {
    /// The service with the test settings on a fresh context.
    pub async fn spawn() -> Self {
        let context = TestContext::new().await.expect("test context");
        let mut settings = context.settings::<NotificationSettings>();
        settings.service.unsubscribe_secret = SecretString::from(SECRET);
        settings.service.public_url = "https://nexus.example".to_owned();
        let service_settings = settings.service.clone();
        let service = context
            .spawn_with::<NotificationService>(settings)
            .await
            .expect("service starts");
        let bus = Bus::connect(
            &context.redis_url,
            context.redis_prefix.clone(),
            BusSettings::default(),
        )
        .await
        .expect("bus");
        Self {
            service,
            context,
            bus,
            settings: service_settings,
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        }
    }

    /// An absolute URL for `path` on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base_url())
    }

    /// A user token for `user`.
    pub fn token(&self, user: Uuid) -> String {
        self.context.access_token(&user.to_string(), &["user"])
    }

    /// Sends `method path` as `user` (a guest when `None`) with an optional JSON body: the
    /// status and the JSON answer (`Null` when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        user: Option<Uuid>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(user) = user {
            request = request.bearer_auth(self.token(user));
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// GET as `user`.
    pub async fn get(&self, path: &str, user: Uuid) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, Some(user), None)
            .await
    }

    /// POST as `user`, no body.
    pub async fn post(&self, path: &str, user: Uuid) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, Some(user), None)
            .await
    }

    /// PUT a JSON body as `user`.
    pub async fn put(&self, path: &str, user: Uuid, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PUT, path, Some(user), Some(body))
            .await
    }

    /// Publishes `envelope` on its stream, as its producer's outbox relay does.
    pub async fn publish<E: nexus_proto::Event>(&self, envelope: &Envelope<E>) {
        self.bus.publish(envelope).await.expect("published");
    }

    /// `user`'s whole inbox (every page), newest first.
    pub async fn inbox(&self, user: Uuid) -> Vec<Value> {
        let (status, body) = self.get("/v1/notifications?limit=100", user).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page: NoticePage = serde_json::from_value(body).expect("a notice page");
        assert!(page.next_cursor.is_none(), "more than 100 notices");
        page.notices
            .into_iter()
            .map(|notice| serde_json::to_value(notice).expect("json"))
            .collect()
    }

    /// Waits until `user`'s inbox holds a notice `matches` accepts; that notice.
    pub async fn wait_for(&self, user: Uuid, matches: impl Fn(&Value) -> bool) -> Value {
        wait_until("the notice to arrive", || async {
            self.inbox(user)
                .await
                .into_iter()
                .find(|notice| matches(notice))
        })
        .await
    }

    /// The service's `NoticeCreated` outbox events.
    pub async fn announced(&self) -> Vec<Value> {
        sqlx::query_scalar::<_, Value>(
            "SELECT envelope FROM notification.outbox WHERE envelope->>'name' = 'NoticeCreated' \
             ORDER BY created_at",
        )
        .fetch_all(&self.context.database.pool)
        .await
        .expect("outbox")
    }

    /// Stops the service; the shutdown must be clean.
    pub async fn stop(self) {
        let report = self.service.running.shutdown().await;
        assert!(report.is_clean(), "{report:?}");
        drop(self.context);
    }
}

/// Polls `probe` until it yields a value (up to 30 s, then the test fails naming `what`).
#[allow(
    clippy::panic,
    reason = "test support: a wait that never ends must fail the test"
)]
pub async fn wait_until<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A file hash made of `byte`.
pub fn sha(byte: u8) -> String {
    format!("{byte:02x}").repeat(32)
}

/// `AnalysisCompleted` of file `sha256` submitted by `user` with `verdict`.
pub fn analysis(user: Uuid, sha256: &str, verdict: VerdictHint) -> Envelope<AnalysisCompleted> {
    Envelope::new(AnalysisCompleted {
        analysis_id: Uuid::now_v7(),
        sha256: sha256.parse().expect("a sha256"),
        status: AnalysisStatus::Completed,
        verdict,
        score: 80,
        ruleset_version: "2026.12.1".to_owned(),
        submitted_by: user.to_string(),
        yara_rules: Vec::new(),
    })
}

/// `BountyUpdated` of a file bounty on `sha256` by `creator`.
pub fn bounty_update(
    creator: Uuid,
    sha256: &str,
    cause: &str,
    (previous, status): (BountyStatus, BountyStatus),
    outcome: Option<&str>,
) -> Envelope<BountyUpdated> {
    Envelope::new(BountyUpdated {
        bounty_id: Uuid::now_v7(),
        chain_bounty_id: Some(1),
        is_public: true,
        artifact_kind: ArtifactKind::File,
        reward: "5000000000000000000".to_owned(),
        previous_status: previous,
        status,
        commitment_count: 2,
        reveal_count: 2,
        outcome: outcome.map(str::to_owned),
        cause: cause.to_owned(),
        creator_id: Some(creator.to_string()),
        artifact_hash: Some(sha256.to_owned()),
    })
}

/// `EarningsChanged` of `user` by `cause`.
pub fn earnings(user: Uuid, cause: &str) -> Envelope<EarningsChanged> {
    Envelope::new(EarningsChanged {
        user_id: user.to_string(),
        wallet: "0x00000000000000000000000000000000000000aa".to_owned(),
        bounty: Uuid::now_v7(),
        cause: cause.to_owned(),
    })
}

/// The real SMTP server the e-mail tests send to (shared with the platform tests).
pub use nexus_testkit::mail_sink::MailSink;

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}
