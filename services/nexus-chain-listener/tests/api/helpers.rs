//! A nexus-chain-listener per test (fresh database and Redis prefix) and small HTTP helpers.

use std::future::Future;
use std::time::{Duration, Instant};

use nexus_chain_listener::ChainListenerService;
use nexus_chain_listener::settings::ChainListenerSettings;
use nexus_testkit::{TestContext, TestService};
use uuid::Uuid;

use nexus_testkit::chain::TestChain;

/// One running service and its test context (dropped after the service).
pub struct TestApp {
    pub service: TestService,
    pub context: TestContext,
}

/// The listener's settings for `chain`: fast polling, `confirmations` deep, reorgs followed up to
/// `max_reorg_depth` blocks.
pub fn settings_for(
    chain: &TestChain,
    confirmations: u64,
    max_reorg_depth: u64,
) -> ChainListenerSettings {
    let mut chain_settings = chain.settings();
    chain_settings.confirmations = confirmations;
    ChainListenerSettings {
        chain: chain_settings,
        poll_interval: Duration::from_millis(100),
        max_block_range: 2_000,
        max_reorg_depth,
        max_retry_backoff: Duration::from_millis(500),
    }
}

impl TestApp {
    /// The service with its default settings on a fresh context (no chain reachable).
    pub async fn spawn() -> Self {
        let context = TestContext::new().await.expect("test context");
        let service = context
            .spawn::<ChainListenerService>()
            .await
            .expect("service starts");
        Self { service, context }
    }

    /// The service following `chain` on a fresh context.
    pub async fn on_chain(settings: ChainListenerSettings) -> Self {
        let context = TestContext::new().await.expect("test context");
        let service = Self::start(&context, settings).await;
        Self { service, context }
    }

    /// Starts another instance on `context` (a restart keeps the database).
    pub async fn start(context: &TestContext, settings: ChainListenerSettings) -> TestService {
        let mut all = context.settings::<ChainListenerSettings>();
        all.service = settings;
        context
            .spawn_with::<ChainListenerService>(all)
            .await
            .expect("service starts")
    }

    /// An absolute URL for `path` on the service.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base_url())
    }

    /// The events in the outbox, oldest first: (envelope id, event name, payload).
    pub async fn events(&self) -> Vec<(Uuid, String, serde_json::Value)> {
        outbox(&self.context).await
    }

    /// Stops the service; the shutdown must be clean.
    pub async fn stop(self) {
        let report = self.service.running.shutdown().await;
        assert!(report.is_clean(), "{report:?}");
        drop(self.context);
    }
}

/// The chain schema's outbox on `context`'s database, oldest first.
pub async fn outbox(context: &TestContext) -> Vec<(Uuid, String, serde_json::Value)> {
    sqlx::query!(
        r#"SELECT id, envelope->>'name' AS "name!", envelope->'payload' AS "payload!"
           FROM chain.outbox ORDER BY created_at, id"#
    )
    .fetch_all(&context.database.pool)
    .await
    .expect("outbox")
    .into_iter()
    .map(|row| (row.id, row.name, row.payload))
    .collect()
}

/// Polls `probe` every 50 ms until it returns `Some`, failing the test after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
