//! The transactional outbox end to end: never lost, and exactly once in effect.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nexus_bus::{Bus, BusSettings, ConsumerParams, Delivery, Handler, HandlerError};
use nexus_db::{Inbox, Outbox, PgPool, Schema};
use nexus_proto::{Envelope, Event};
use nexus_testkit::TestContext;
use nexus_testkit::redis_server::RedisServer;
use secrecy::SecretString;
use tokio_util::sync::CancellationToken;

use crate::probe::{PROBE_TABLES, Probe, ProbeRecorded, ProbeSettings};

// The probe tables are created by the tests themselves (`PROBE_TABLES`), so no migrated schema
// describes them and `sqlx::query!` cannot check their SQL: the queries on them stay runtime
// strings, with constant text and bound values.
async fn create_probe_tables(pool: &PgPool) {
    for statement in PROBE_TABLES.split(';') {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(pool)
            .await
            .unwrap();
    }
}

async fn stream_length(bus: &Bus) -> usize {
    let mut connection = bus.connection();
    redis::cmd("XLEN")
        .arg(bus.key(ProbeRecorded::STREAM))
        .query_async(&mut connection)
        .await
        .unwrap()
}

/// Polls `probe` until it returns true, for at most 20 s.
async fn eventually<F, Fut>(what: &str, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !probe().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn test_bus_settings() -> BusSettings {
    BusSettings {
        claim_idle: Duration::from_millis(300),
        read_block: Duration::from_millis(100),
        ..BusSettings::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_changes_reach_the_stream_once_and_rolled_back_ones_never() {
    let context = TestContext::new().await.unwrap();
    create_probe_tables(&context.database.pool).await;
    let service = context.spawn::<Probe>().await.unwrap();
    let http = reqwest::Client::new();
    let bus = Bus::connect(
        &context.redis_url,
        context.redis_prefix.clone(),
        test_bus_settings(),
    )
    .await
    .unwrap();

    let created = http
        .post(format!("{}/v1/record/7", service.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let duplicate = http
        .post(format!("{}/v1/record/7", service.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        duplicate.status(),
        409,
        "the second insert fails, so its event must vanish too"
    );

    let outbox = Outbox::new(Schema::new("bounty").unwrap());
    eventually("the outbox is relayed", || async {
        outbox.pending_count(&context.database.pool).await.unwrap() == 0
    })
    .await;
    assert_eq!(stream_length(&bus).await, 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        stream_length(&bus).await,
        1,
        "a relayed row is never sent again"
    );
    service.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_committed_while_redis_is_down_are_relayed_when_it_returns() {
    let context = TestContext::new().await.unwrap();
    create_probe_tables(&context.database.pool).await;
    let mut redis = RedisServer::start().unwrap();
    let mut settings = context.settings::<ProbeSettings>();
    settings.runtime.redis.url = SecretString::from(redis.url());
    let service = context.spawn_with::<Probe>(settings).await.unwrap();
    let outbox = Outbox::new(Schema::new("bounty").unwrap());

    redis.stop();
    let created = reqwest::Client::new()
        .post(format!("{}/v1/record/1", service.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.status(),
        201,
        "the state change does not depend on Redis"
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        outbox.pending_count(&context.database.pool).await.unwrap(),
        1,
        "kept while Redis is down"
    );

    redis.restart().unwrap();
    eventually("the outbox drains", || async {
        outbox.pending_count(&context.database.pool).await.unwrap() == 0
    })
    .await;
    let bus = Bus::connect(
        &redis.url(),
        context.redis_prefix.clone(),
        test_bus_settings(),
    )
    .await
    .unwrap();
    assert_eq!(stream_length(&bus).await, 1);
    service.running.shutdown().await;
}

/// Applies the effect (a row in `probe_effects`) and records the event id in the inbox, in one
/// transaction. With `crash_after_commit` it then hangs before returning, so the entry is never
/// acknowledged: the consumer "dies" holding the message.
struct RecordEffect {
    pool: PgPool,
    crash_after_commit: bool,
    crash_before_commit: bool,
    calls: Arc<AtomicUsize>,
}

impl Handler for RecordEffect {
    type Event = ProbeRecorded;

    async fn handle(
        &self,
        envelope: Envelope<ProbeRecorded>,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let inbox = Inbox::new(Schema::new("bounty").unwrap());
        let mut transaction = self.pool.begin().await.map_err(HandlerError::retryable)?;
        if inbox
            .record_once(&mut transaction, &delivery.group, envelope.id)
            .await
            .map_err(HandlerError::retryable)?
        {
            sqlx::query("INSERT INTO bounty.probe_effects (event_id, value) VALUES ($1, $2)")
                .bind(envelope.id)
                .bind(envelope.payload.value)
                .execute(&mut *transaction)
                .await
                .map_err(HandlerError::retryable)?;
        }
        if self.crash_before_commit {
            std::future::pending::<()>().await;
        }
        transaction
            .commit()
            .await
            .map_err(HandlerError::retryable)?;
        if self.crash_after_commit {
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

async fn effect_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM bounty.probe_effects")
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn killed_consumer_scenario(crash_before_commit: bool) {
    let context = TestContext::new().await.unwrap();
    create_probe_tables(&context.database.pool).await;
    let bus = Bus::connect(
        &context.redis_url,
        context.redis_prefix.clone(),
        test_bus_settings(),
    )
    .await
    .unwrap();
    let event = Envelope::new(ProbeRecorded { value: 42 });
    bus.publish(&event).await.unwrap();

    let doomed_calls = Arc::new(AtomicUsize::new(0));
    let doomed = bus
        .consumer(ConsumerParams::new(
            ProbeRecorded::STREAM,
            "effects",
            "doomed",
        ))
        .await
        .unwrap();
    let doomed_handler = RecordEffect {
        pool: context.database.pool.clone(),
        crash_after_commit: !crash_before_commit,
        crash_before_commit,
        calls: doomed_calls.clone(),
    };
    let doomed_task = tokio::spawn(doomed.run(doomed_handler, CancellationToken::new()));
    eventually("the doomed consumer took the message", || async {
        doomed_calls.load(Ordering::SeqCst) == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    doomed_task.abort(); // killed mid-message: never acknowledged
    let _ = doomed_task.await;
    let expected_before = if crash_before_commit { 0 } else { 1 };
    assert_eq!(effect_count(&context.database.pool).await, expected_before);

    let survivor_calls = Arc::new(AtomicUsize::new(0));
    let mut survivor = bus
        .consumer(ConsumerParams::new(
            ProbeRecorded::STREAM,
            "effects",
            "survivor",
        ))
        .await
        .unwrap();
    let survivor_handler = RecordEffect {
        pool: context.database.pool.clone(),
        crash_after_commit: false,
        crash_before_commit: false,
        calls: survivor_calls.clone(),
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let _ = survivor.poll_once(&survivor_handler).await.unwrap();
        if bus
            .pending_count(ProbeRecorded::STREAM, "effects")
            .await
            .unwrap()
            == 0
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the survivor never reclaimed the message"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    assert_eq!(
        survivor_calls.load(Ordering::SeqCst),
        1,
        "the message was delivered again after the crash"
    );
    assert_eq!(
        effect_count(&context.database.pool).await,
        1,
        "and its effect exists exactly once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_after_committing_its_effect_does_not_apply_it_twice() {
    killed_consumer_scenario(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_killed_before_committing_its_effect_has_it_applied_by_another() {
    killed_consumer_scenario(true).await;
}
