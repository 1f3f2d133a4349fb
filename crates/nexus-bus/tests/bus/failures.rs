//! Handlers that hang or panic, and graceful shutdown with a message in hand.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use nexus_bus::{BusSettings, DeadLetterReason, Delivery, Handler, HandlerError};
use nexus_proto::{Envelope, Event};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::common::{ScanRequested, TestBus, fast_settings, wait_until, within_limit};

/// Misbehaves on every call, counting the calls.
struct Misbehaving {
    hang: bool,
    calls: Arc<AtomicU32>,
}

impl Handler for Misbehaving {
    type Event = ScanRequested;

    async fn handle(
        &self,
        _envelope: Envelope<ScanRequested>,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.hang {
            std::future::pending::<()>().await;
        }
        panic!("the handler has a bug");
    }
}

async fn dead_letter_detail_for(hang: bool) -> (String, Option<DeadLetterReason>, u32) {
    let settings = BusSettings {
        max_deliveries: 2,
        handler_timeout: Duration::from_millis(100),
        ..fast_settings()
    };
    let test = TestBus::new(settings).await;
    let consumer = test.consumer("scanner", "c1").await;
    test.bus
        .publish(&Envelope::new(ScanRequested { sample: 1 }))
        .await
        .unwrap();
    let calls = Arc::new(AtomicU32::new(0));
    let shutdown = CancellationToken::new();

    let task = tokio::spawn(consumer.run(
        Misbehaving {
            hang,
            calls: Arc::clone(&calls),
        },
        shutdown.clone(),
    ));
    wait_until("the misbehaving entry is dead-lettered", || async {
        !test.dead_letters().await.is_empty()
    })
    .await;
    shutdown.cancel();
    within_limit("the consumer to stop", task).await.unwrap();

    let dead = test.dead_letters().await;
    assert_eq!(test.pending("scanner").await, 0);
    (
        dead[0].detail.clone(),
        dead[0].reason,
        calls.load(Ordering::SeqCst),
    )
}

#[tokio::test]
async fn hung_handler_is_abandoned_after_handler_timeout_and_retried_then_dead_lettered() {
    let (detail, reason, calls) = dead_letter_detail_for(true).await;

    assert!(detail.contains("did not finish within"), "{detail}");
    assert_eq!(reason, Some(DeadLetterReason::RetriesExhausted));
    assert_eq!(calls, 2);
}

#[tokio::test]
async fn panicking_handler_does_not_kill_the_consumer_and_is_dead_lettered_after_retries() {
    let (detail, reason, calls) = dead_letter_detail_for(false).await;

    assert!(detail.contains("panicked"), "{detail}");
    assert_eq!(reason, Some(DeadLetterReason::RetriesExhausted));
    assert_eq!(calls, 2);
}

/// Signals when it starts, waits for permission, then counts a completion.
struct Gate {
    started: mpsc::UnboundedSender<()>,
    release: Arc<Notify>,
    completed: Arc<AtomicU32>,
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
        self.completed.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn shutdown_finishes_and_acknowledges_the_message_in_hand_then_stops() {
    let test = TestBus::new(BusSettings {
        batch_size: 1,
        ..fast_settings()
    })
    .await;
    let consumer = test.consumer("scanner", "c1").await;
    for sample in 0..2 {
        test.bus
            .publish(&Envelope::new(ScanRequested { sample }))
            .await
            .unwrap();
    }
    let (started_sender, mut started) = mpsc::unbounded_channel();
    let (release, completed) = (Arc::new(Notify::new()), Arc::new(AtomicU32::new(0)));
    let handler = Gate {
        started: started_sender,
        release: Arc::clone(&release),
        completed: Arc::clone(&completed),
    };
    let shutdown = CancellationToken::new();

    let task = tokio::spawn(consumer.run(handler, shutdown.clone()));
    within_limit("the first message to be in hand", started.recv())
        .await
        .unwrap();
    shutdown.cancel();
    release.notify_one();
    within_limit("the consumer to stop after finishing its message", task)
        .await
        .unwrap();

    assert_eq!(
        completed.load(Ordering::SeqCst),
        1,
        "the message in hand is finished, no new one is started"
    );
    assert_eq!(test.pending("scanner").await, 0);
    let mut connection = test.bus.connection();
    let unread: redis::streams::StreamInfoGroupsReply = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(test.bus.key(ScanRequested::STREAM))
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(
        unread.groups[0].lag,
        Some(1),
        "the second message is left for the next consumer"
    );
}

#[tokio::test]
async fn consumer_recreates_its_group_when_the_stream_is_deleted() {
    let test = TestBus::new(fast_settings()).await;
    let mut consumer = test.consumer("scanner", "c1").await;
    redis::cmd("DEL")
        .arg(test.bus.key(ScanRequested::STREAM))
        .query_async::<()>(&mut test.bus.connection())
        .await
        .unwrap();
    let envelope = Envelope::new(ScanRequested { sample: 9 });
    test.bus.publish(&envelope).await.unwrap();
    let handler = crate::handlers::Recorder::default();

    let mut acked = 0;
    for _ in 0..3 {
        acked += consumer.poll_once(&handler).await.unwrap().acked;
    }

    assert_eq!(acked, 1);
    assert_eq!(handler.seen()[0].0, envelope);
}
