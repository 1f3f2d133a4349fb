//! Publishing, consuming, acknowledging, redelivery and dead-lettering.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use nexus_bus::{Bus, BusMetrics, DeadLetterReason, Delivery, Handler, HandlerError};
use nexus_proto::{Envelope, Event};
use prometheus_client::registry::Registry;
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::common::{
    ArcHandler, ScanCancelled, ScanRequested, TestBus, WAIT_LIMIT, fast_settings, wait_until,
    within_limit,
};

/// Records every envelope and delivery it sees, then succeeds.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(Envelope<ScanRequested>, Delivery)>>,
}

impl Recorder {
    fn seen(&self) -> Vec<(Envelope<ScanRequested>, Delivery)> {
        self.seen.lock().unwrap().clone()
    }
}

impl Handler for Recorder {
    type Event = ScanRequested;

    async fn handle(
        &self,
        envelope: Envelope<ScanRequested>,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        self.seen.lock().unwrap().push((envelope, delivery.clone()));
        Ok(())
    }
}

/// Fails with a retryable error on the first `failures` attempts, recording every attempt number.
struct Flaky {
    failures: u32,
    attempts: Mutex<Vec<u32>>,
}

impl Handler for Flaky {
    type Event = ScanRequested;

    async fn handle(
        &self,
        _envelope: Envelope<ScanRequested>,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let mut attempts = self.attempts.lock().unwrap();
        attempts.push(delivery.attempt);
        if u32::try_from(attempts.len()).unwrap() <= self.failures {
            return Err(HandlerError::retryable("the database is down"));
        }
        Ok(())
    }
}

/// Rejects every event permanently.
#[derive(Default)]
struct Rejecting {
    calls: AtomicU32,
}

impl Handler for Rejecting {
    type Event = ScanRequested;

    async fn handle(
        &self,
        _envelope: Envelope<ScanRequested>,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(HandlerError::permanent("the sample no longer exists"))
    }
}

async fn publish_samples(bus: &Bus, count: u32) -> Vec<Envelope<ScanRequested>> {
    let mut envelopes = Vec::new();
    for sample in 0..count {
        let envelope = Envelope::new(ScanRequested { sample });
        bus.publish(&envelope).await.unwrap();
        envelopes.push(envelope);
    }
    envelopes
}

#[tokio::test]
async fn published_event_is_consumed_with_its_envelope_and_acknowledged() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test
        .bus
        .consumer(test.params("scanner", "c1"))
        .await
        .unwrap();
    let envelope =
        Envelope::new(ScanRequested { sample: 7 }).with_traceparent(Some("00-abc-def-01".into()));

    let entry_id = test.bus.publish(&envelope).await.unwrap();
    let handler = Recorder::default();
    let report = consumer.poll_once(&handler).await.unwrap();

    assert_eq!(report.acked, 1);
    let seen = handler.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].0, envelope);
    assert_eq!(seen[0].1.entry_id, entry_id);
    assert_eq!(seen[0].1.attempt, 1);
    assert_eq!(seen[0].1.stream, ScanRequested::STREAM);
    assert_eq!(
        test.bus
            .pending_count(ScanRequested::STREAM, "scanner")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn raw_publish_is_consumed_like_a_typed_one() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test
        .bus
        .consumer(test.params("scanner", "c1"))
        .await
        .unwrap();
    let envelope = Envelope::new(ScanRequested { sample: 3 });

    test.bus
        .publish_raw(ScanRequested::STREAM, &envelope.clone().into_raw().unwrap())
        .await
        .unwrap();
    let handler = Recorder::default();
    consumer.poll_once(&handler).await.unwrap();

    assert_eq!(
        handler.seen().first().map(|(seen, _)| seen.clone()),
        Some(envelope)
    );
}

#[tokio::test]
async fn raw_batch_publish_appends_every_envelope_in_order() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test
        .bus
        .consumer(test.params("scanner", "c1"))
        .await
        .unwrap();
    let envelopes: Vec<Envelope<ScanRequested>> = (0..3)
        .map(|sample| Envelope::new(ScanRequested { sample }))
        .collect();
    let raw: Vec<_> = envelopes
        .iter()
        .map(|envelope| envelope.clone().into_raw().unwrap())
        .collect();
    let batch: Vec<(&str, &_)> = raw
        .iter()
        .map(|envelope| (ScanRequested::STREAM, envelope))
        .collect();

    let entry_ids = test.bus.publish_raw_batch(&batch).await.unwrap();
    let handler = Recorder::default();
    consumer.poll_once(&handler).await.unwrap();

    let seen = handler.seen();
    assert_eq!(
        seen.iter()
            .map(|(envelope, _)| envelope.clone())
            .collect::<Vec<_>>(),
        envelopes
    );
    assert_eq!(
        seen.iter()
            .map(|(_, delivery)| delivery.entry_id.clone())
            .collect::<Vec<_>>(),
        entry_ids
    );
    test.bus.ping().await.unwrap();
}

/// Signals when it starts, then waits for permission to finish.
struct Gate {
    started: mpsc::UnboundedSender<()>,
    release: Notify,
}

impl Handler for Gate {
    type Event = ScanRequested;

    async fn handle(
        &self,
        _envelope: Envelope<ScanRequested>,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        self.started.send(()).unwrap();
        self.release.notified().await;
        Ok(())
    }
}

#[tokio::test]
async fn entry_stays_pending_until_the_handler_succeeds() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test
        .bus
        .consumer(test.params("scanner", "c1"))
        .await
        .unwrap();
    publish_samples(&test.bus, 1).await;
    let (started_sender, mut started) = mpsc::unbounded_channel();
    let handler = std::sync::Arc::new(Gate {
        started: started_sender,
        release: Notify::new(),
    });

    let task_handler = std::sync::Arc::clone(&handler);
    let task = tokio::spawn(async move { consumer.poll_once(task_handler.as_ref()).await });
    within_limit("the handler to start", started.recv()).await;
    let pending_during_handling = test
        .bus
        .pending_count(ScanRequested::STREAM, "scanner")
        .await
        .unwrap();
    handler.release.notify_one();
    let report = within_limit("the poll to finish", task)
        .await
        .unwrap()
        .unwrap();

    assert_eq!(
        pending_during_handling, 1,
        "the entry must not be acknowledged before the handler returns"
    );
    assert_eq!(report.acked, 1);
    assert_eq!(
        test.bus
            .pending_count(ScanRequested::STREAM, "scanner")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn retryable_failure_is_redelivered_after_claim_idle_and_then_acknowledged() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test
        .bus
        .consumer(test.params("scanner", "c1"))
        .await
        .unwrap();
    publish_samples(&test.bus, 1).await;
    let handler = Flaky {
        failures: 1,
        attempts: Mutex::new(Vec::new()),
    };

    let first = consumer.poll_once(&handler).await.unwrap();
    let pending_after_failure = test
        .bus
        .pending_count(ScanRequested::STREAM, "scanner")
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
    while consumer.poll_once(&handler).await.unwrap().acked == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the failed entry was not redelivered and acknowledged within {WAIT_LIMIT:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    assert_eq!(first.retried, 1);
    assert_eq!(pending_after_failure, 1);
    assert_eq!(*handler.attempts.lock().unwrap(), vec![1, 2]);
    assert_eq!(
        test.bus
            .pending_count(ScanRequested::STREAM, "scanner")
            .await
            .unwrap(),
        0
    );
    assert!(
        test.bus
            .dead_letters(ScanRequested::STREAM, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn entry_failing_on_every_delivery_is_dead_lettered_after_max_deliveries() {
    let settings = nexus_bus::BusSettings {
        max_deliveries: 3,
        ..fast_settings()
    };
    let test = TestBus::new(settings).await;
    let consumer = test
        .bus
        .consumer(test.params("scanner", "c1"))
        .await
        .unwrap();
    let published = publish_samples(&test.bus, 1).await;
    let handler = std::sync::Arc::new(Flaky {
        failures: u32::MAX,
        attempts: Mutex::new(Vec::new()),
    });
    let shutdown = CancellationToken::new();

    let task = tokio::spawn(consumer.run(
        ArcHandler(std::sync::Arc::clone(&handler)),
        shutdown.clone(),
    ));
    wait_until("the entry is dead-lettered", || async {
        !test
            .bus
            .dead_letters(ScanRequested::STREAM, 10)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    shutdown.cancel();
    within_limit("the consumer to stop", task).await.unwrap();

    let dead = test
        .bus
        .dead_letters(ScanRequested::STREAM, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, Some(DeadLetterReason::RetriesExhausted));
    assert_eq!(dead[0].deliveries, 3);
    assert!(
        dead[0].detail.contains("the database is down"),
        "{}",
        dead[0].detail
    );
    assert_eq!(dead[0].decode_envelope().unwrap().id, published[0].id);
    assert_eq!(*handler.attempts.lock().unwrap(), vec![1, 2, 3]);
    assert_eq!(
        test.bus
            .pending_count(ScanRequested::STREAM, "scanner")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn permanent_failure_is_dead_lettered_at_once() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test
        .bus
        .consumer(test.params("scanner", "c1"))
        .await
        .unwrap();
    let published = publish_samples(&test.bus, 1).await;
    let handler = Rejecting::default();

    let report = consumer.poll_once(&handler).await.unwrap();

    assert_eq!(report.dead_lettered, 1);
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1);
    let dead = test
        .bus
        .dead_letters(ScanRequested::STREAM, 10)
        .await
        .unwrap();
    assert_eq!(dead[0].reason, Some(DeadLetterReason::Rejected));
    assert_eq!(dead[0].group, "scanner");
    assert!(dead[0].detail.contains("the sample no longer exists"));
    assert_eq!(dead[0].decode_envelope().unwrap().id, published[0].id);
    assert_eq!(
        test.bus
            .pending_count(ScanRequested::STREAM, "scanner")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn poison_entries_are_dead_lettered_at_once_without_reaching_the_handler() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test
        .bus
        .consumer(test.params("scanner", "c1"))
        .await
        .unwrap();
    let mut connection = test.bus.connection();
    let stream_key = test.bus.key(ScanRequested::STREAM);
    let foreign_id: String = redis::cmd("XADD")
        .arg(&stream_key)
        .arg("*")
        .arg("garbage")
        .arg("x")
        .query_async(&mut connection)
        .await
        .unwrap();
    let not_json_id: String = redis::cmd("XADD")
        .arg(&stream_key)
        .arg("*")
        .arg("envelope")
        .arg("{not json")
        .query_async(&mut connection)
        .await
        .unwrap();
    let mut wrong_payload = Envelope::new(ScanRequested { sample: 1 })
        .into_raw()
        .unwrap();
    wrong_payload.payload = serde_json::json!({ "sample": "not a number" });
    let wrong_payload_id = test
        .bus
        .publish_raw(ScanRequested::STREAM, &wrong_payload)
        .await
        .unwrap();
    let handler = Recorder::default();

    let report = consumer.poll_once(&handler).await.unwrap();

    assert_eq!(report.dead_lettered, 3);
    assert!(handler.seen().is_empty());
    let dead = test
        .bus
        .dead_letters(ScanRequested::STREAM, 10)
        .await
        .unwrap();
    let original_ids: Vec<&str> = dead
        .iter()
        .map(|letter| letter.original_id.as_str())
        .collect();
    assert_eq!(
        original_ids,
        vec![
            foreign_id.as_str(),
            not_json_id.as_str(),
            wrong_payload_id.as_str()
        ]
    );
    assert!(
        dead.iter()
            .all(|letter| letter.reason == Some(DeadLetterReason::Undecodable))
    );
    assert!(dead.iter().all(|letter| letter.deliveries == 1));
    assert!(
        dead[0]
            .original_fields
            .as_deref()
            .unwrap()
            .contains("garbage")
    );
    assert_eq!(dead[1].envelope.as_deref(), Some("{not json"));
    assert_eq!(
        test.bus
            .pending_count(ScanRequested::STREAM, "scanner")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn other_events_on_the_stream_are_acknowledged_and_skipped() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test
        .bus
        .consumer(test.params("scanner", "c1"))
        .await
        .unwrap();
    test.bus
        .publish(&Envelope::new(ScanCancelled { sample: 1 }))
        .await
        .unwrap();
    let handler = Recorder::default();

    let report = consumer.poll_once(&handler).await.unwrap();

    assert_eq!(report.acked, 1);
    assert!(handler.seen().is_empty());
    assert!(
        test.bus
            .dead_letters(ScanRequested::STREAM, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn consumers_of_one_group_split_the_work_and_every_group_gets_everything() {
    let settings = nexus_bus::BusSettings {
        batch_size: 3,
        ..fast_settings()
    };
    let test = TestBus::new(settings).await;
    let mut first = test
        .bus
        .consumer(test.params("scanner", "first"))
        .await
        .unwrap();
    let mut second = test
        .bus
        .consumer(test.params("scanner", "second"))
        .await
        .unwrap();
    let mut auditor = test
        .bus
        .consumer(test.params("audit", "only"))
        .await
        .unwrap();
    let published = publish_samples(&test.bus, 10).await;
    let (first_handler, second_handler, audit_handler) = (
        Recorder::default(),
        Recorder::default(),
        Recorder::default(),
    );

    for _ in 0..4 {
        first.poll_once(&first_handler).await.unwrap();
        second.poll_once(&second_handler).await.unwrap();
    }
    for _ in 0..4 {
        auditor.poll_once(&audit_handler).await.unwrap();
    }

    let ids = |handler: &Recorder| -> Vec<uuid::Uuid> {
        handler
            .seen()
            .iter()
            .map(|(envelope, _)| envelope.id)
            .collect()
    };
    let (first_ids, second_ids) = (ids(&first_handler), ids(&second_handler));
    assert_eq!(first_ids.len(), 6, "batches of 3: first takes 1-3, 7-9");
    assert_eq!(second_ids.len(), 4, "second takes 4-6, 10");
    let union: HashSet<uuid::Uuid> = first_ids.iter().chain(&second_ids).copied().collect();
    let all: HashSet<uuid::Uuid> = published.iter().map(|envelope| envelope.id).collect();
    assert_eq!(union.len(), 10, "no entry was handled by both consumers");
    assert_eq!(union, all);
    assert_eq!(ids(&audit_handler).into_iter().collect::<HashSet<_>>(), all);
    assert_eq!(
        test.bus
            .pending_count(ScanRequested::STREAM, "scanner")
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn metrics_count_published_consumed_and_dead_lettered_entries() {
    let mut registry = Registry::default();
    let metrics = BusMetrics::register(&mut registry);
    let test = TestBus::new(fast_settings()).await;
    let bus = test.bus.clone().with_metrics(metrics);
    let mut consumer = bus.consumer(test.params("scanner", "c1")).await.unwrap();
    publish_samples(&bus, 2).await;

    consumer.poll_once(&Rejecting::default()).await.unwrap();

    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    let stream = ScanRequested::STREAM;
    assert!(
        text.contains(&format!(
            "nexus_bus_published_total{{stream=\"{stream}\"}} 2"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "nexus_bus_consumed_total{{stream=\"{stream}\",outcome=\"dead_lettered\"}} 2"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "nexus_bus_dead_lettered_total{{stream=\"{stream}\",reason=\"rejected\"}} 2"
        )),
        "{text}"
    );
}
