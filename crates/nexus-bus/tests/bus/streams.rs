//! Publishing, consuming, acknowledging, and how groups share entries.

use std::collections::HashSet;

use nexus_bus::{BusMetrics, Delivery, Handler, HandlerError};
use nexus_proto::{Envelope, Event};
use prometheus_client::registry::Registry;
use tokio::sync::{Notify, mpsc};

use crate::common::{ScanCancelled, ScanRequested, TestBus, fast_settings, within_limit};
use crate::handlers::{Recorder, Rejecting, publish_samples};

#[tokio::test]
async fn published_event_is_consumed_with_its_envelope_and_acknowledged() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test.consumer("scanner", "c1").await;
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
    assert_eq!(test.pending("scanner").await, 0);
}

#[tokio::test]
async fn raw_publish_is_consumed_like_a_typed_one() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test.consumer("scanner", "c1").await;
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
    let mut consumer = test.consumer("scanner", "c1").await;
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
    let mut consumer = test.consumer("scanner", "c1").await;
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
    assert_eq!(test.pending("scanner").await, 0);
}

#[tokio::test]
async fn other_events_on_the_stream_are_acknowledged_and_skipped() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test.consumer("scanner", "c1").await;
    test.bus
        .publish(&Envelope::new(ScanCancelled { sample: 1 }))
        .await
        .unwrap();
    let handler = Recorder::default();

    let report = consumer.poll_once(&handler).await.unwrap();

    assert_eq!(report.acked, 1);
    assert!(handler.seen().is_empty());
    assert!(test.dead_letters().await.is_empty());
}

#[tokio::test]
async fn consumers_of_one_group_split_the_work_and_every_group_gets_everything() {
    let settings = nexus_bus::BusSettings {
        batch_size: 3,
        ..fast_settings()
    };
    let test = TestBus::new(settings).await;
    let mut first = test.consumer("scanner", "first").await;
    let mut second = test.consumer("scanner", "second").await;
    let mut auditor = test.consumer("audit", "only").await;
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
    assert_eq!(test.pending("scanner").await, 0);
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
