//! Redelivery after retryable failures, and dead-lettering.

use std::sync::Mutex;
use std::sync::atomic::Ordering;

use nexus_bus::DeadLetterReason;
use nexus_proto::{Envelope, Event};
use tokio_util::sync::CancellationToken;

use crate::common::{
    ArcHandler, ScanRequested, TestBus, WAIT_LIMIT, fast_settings, wait_until, within_limit,
};
use crate::handlers::{Flaky, Recorder, Rejecting, publish_samples};

#[tokio::test]
async fn retryable_failure_is_redelivered_after_claim_idle_and_then_acknowledged() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test.consumer("scanner", "c1").await;
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
    assert_eq!(test.pending("scanner").await, 0);
    assert!(test.dead_letters().await.is_empty());
}

#[tokio::test]
async fn entry_failing_on_every_delivery_is_dead_lettered_after_max_deliveries() {
    let settings = nexus_bus::BusSettings {
        max_deliveries: 3,
        ..fast_settings()
    };
    let test = TestBus::new(settings).await;
    let consumer = test.consumer("scanner", "c1").await;
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
        !test.dead_letters().await.is_empty()
    })
    .await;
    shutdown.cancel();
    within_limit("the consumer to stop", task).await.unwrap();

    let dead = test.dead_letters().await;
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
    assert_eq!(test.pending("scanner").await, 0);
}

#[tokio::test]
async fn permanent_failure_is_dead_lettered_at_once() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test.consumer("scanner", "c1").await;
    let published = publish_samples(&test.bus, 1).await;
    let handler = Rejecting::default();

    let report = consumer.poll_once(&handler).await.unwrap();

    assert_eq!(report.dead_lettered, 1);
    assert_eq!(handler.calls.load(Ordering::SeqCst), 1);
    let dead = test.dead_letters().await;
    assert_eq!(dead[0].reason, Some(DeadLetterReason::Rejected));
    assert_eq!(dead[0].group, "scanner");
    assert!(dead[0].detail.contains("the sample no longer exists"));
    assert_eq!(dead[0].decode_envelope().unwrap().id, published[0].id);
    assert_eq!(test.pending("scanner").await, 0);
}

#[tokio::test]
async fn poison_entries_are_dead_lettered_at_once_without_reaching_the_handler() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test.consumer("scanner", "c1").await;
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
    let dead = test.dead_letters().await;
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
    assert_eq!(test.pending("scanner").await, 0);
}

#[tokio::test]
async fn requeued_dead_letter_is_delivered_again_with_the_same_envelope_id() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test.consumer("scanner", "c1").await;
    let published = publish_samples(&test.bus, 1).await;
    consumer.poll_once(&Rejecting::default()).await.unwrap();
    let dead = test.dead_letters().await;

    let requeued = test
        .bus
        .requeue_dead_letter(ScanRequested::STREAM, &dead[0].dead_letter_id)
        .await
        .unwrap();
    let missing = test
        .bus
        .requeue_dead_letter(ScanRequested::STREAM, "1-1")
        .await
        .unwrap();
    let handler = Recorder::default();
    let report = consumer.poll_once(&handler).await.unwrap();

    assert!(requeued.is_some());
    assert_eq!(missing, None);
    assert_eq!(report.acked, 1);
    assert_eq!(handler.seen()[0].0.id, published[0].id);
    assert_eq!(Some(handler.seen()[0].1.entry_id.clone()), requeued);
    assert!(test.dead_letters().await.is_empty());
}
