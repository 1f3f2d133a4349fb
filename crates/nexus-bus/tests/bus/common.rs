//! Shared fixtures: a bus under a unique prefix, test events, bounded waits.

use std::future::Future;
use std::time::Duration;

use std::sync::Arc;

use nexus_bus::{
    Bus, BusSettings, Consumer, ConsumerParams, DeadLetter, Delivery, Handler, HandlerError,
};
use nexus_proto::{Envelope, Event};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// Longest any bounded wait in these tests may take before failing.
pub const WAIT_LIMIT: Duration = Duration::from_secs(15);

pub fn redis_url() -> String {
    std::env::var("TEST_NEXUS_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// The event most tests publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRequested {
    pub sample: u32,
}

impl Event for ScanRequested {
    const NAME: &'static str = "ScanRequested";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:test:scans:v1";
}

/// Another event on the same stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanCancelled {
    pub sample: u32,
}

impl Event for ScanCancelled {
    const NAME: &'static str = "ScanCancelled";
    const VERSION: u32 = 1;
    const STREAM: &'static str = "nexus:test:scans:v1";
}

/// Settings with short timings, so redelivery tests take milliseconds, and batches of several
/// entries (the default is one per read), so tests can see a whole batch handled in one poll.
pub fn fast_settings() -> BusSettings {
    BusSettings {
        batch_size: 16,
        read_block: Duration::from_millis(100),
        claim_idle: Duration::from_millis(200),
        reclaim_interval: Duration::from_millis(50),
        error_backoff: Duration::from_millis(50),
        ..BusSettings::default()
    }
}

/// A bus under a fresh `test:<uuid>:` prefix; its keys are deleted when dropped.
pub struct TestBus {
    pub bus: Bus,
    prefix: String,
}

impl TestBus {
    pub async fn new(settings: BusSettings) -> Self {
        let prefix = format!("test:{}:", uuid::Uuid::now_v7());
        let bus = Bus::connect(&redis_url(), prefix.clone(), settings)
            .await
            .expect("Redis must be reachable at TEST_NEXUS_REDIS_URL or redis://127.0.0.1:6379");
        Self { bus, prefix }
    }

    pub fn params(&self, group: &str, consumer: &str) -> ConsumerParams {
        ConsumerParams::new(ScanRequested::STREAM, group, consumer)
    }

    /// A consumer of the test stream in `group`.
    pub async fn consumer(&self, group: &str, consumer: &str) -> Consumer {
        self.bus
            .consumer(self.params(group, consumer))
            .await
            .unwrap()
    }

    /// The test stream's dead letters (at most 10).
    pub async fn dead_letters(&self) -> Vec<DeadLetter> {
        self.bus
            .dead_letters(ScanRequested::STREAM, 10)
            .await
            .unwrap()
    }

    /// Entries of the test stream pending in `group`.
    pub async fn pending(&self, group: &str) -> usize {
        self.bus
            .pending_count(ScanRequested::STREAM, group)
            .await
            .unwrap()
    }
}

impl Drop for TestBus {
    fn drop(&mut self) {
        // Synchronous on purpose: it also runs when a test panics.
        let Ok(client) = redis::Client::open(redis_url()) else {
            return;
        };
        let Ok(mut connection) = client.get_connection() else {
            return;
        };
        let keys: Vec<String> = match redis::cmd("KEYS")
            .arg(format!("{}*", self.prefix))
            .query(&mut connection)
        {
            Ok(keys) => keys,
            Err(_) => return,
        };
        if !keys.is_empty() {
            let _: Result<(), _> = redis::cmd("DEL").arg(&keys).query(&mut connection);
        }
    }
}

/// Polls `check` until it holds, failing the test with `what` after [`WAIT_LIMIT`].
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        if check().await {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {WAIT_LIMIT:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Awaits `future`, failing the test with `what` after [`WAIT_LIMIT`].
pub async fn within_limit<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT_LIMIT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {WAIT_LIMIT:?} waiting for {what}"),
    }
}
/// Lets a shared handler be moved into a spawned consumer while the test keeps a reference.
pub struct ArcHandler<H>(pub Arc<H>);

impl<H: Handler> Handler for ArcHandler<H> {
    type Event = H::Event;

    async fn handle(
        &self,
        envelope: Envelope<H::Event>,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        self.0.handle(envelope, delivery).await
    }
}
