//! The dead-letter hook: the handler hears about every entry the bus gives up on, whichever way
//! its last delivery ended, before the entry moves to the dead-letter stream.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use nexus_bus::{BusSettings, DeadLetterNotice, DeadLetterReason, Delivery, Handler, HandlerError};
use nexus_proto::Envelope;

use crate::common::{ScanRequested, TestBus, WAIT_LIMIT, fast_settings};
use crate::handlers::publish_samples;

/// How the handler's deliveries end.
#[derive(Clone, Copy)]
enum Ending {
    Error,
    Hang,
}

/// A handler that never succeeds and records what its hook was told. The hook fails its first
/// `hook_failures` calls.
struct Doomed {
    ending: Ending,
    hook_failures: AtomicU32,
    told: Mutex<Vec<(u32, DeadLetterReason, String)>>,
}

impl Doomed {
    fn new(ending: Ending, hook_failures: u32) -> Self {
        Self {
            ending,
            hook_failures: AtomicU32::new(hook_failures),
            told: Mutex::new(Vec::new()),
        }
    }
}

impl Handler for Doomed {
    type Event = ScanRequested;

    async fn handle(
        &self,
        _envelope: Envelope<ScanRequested>,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        match self.ending {
            Ending::Error => Err(HandlerError::retryable("the sample crashes the parser")),
            Ending::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok(())
            }
        }
    }

    async fn dead_lettered(
        &self,
        envelope: Envelope<ScanRequested>,
        notice: &DeadLetterNotice,
    ) -> Result<(), HandlerError> {
        let left = self.hook_failures.load(Ordering::SeqCst);
        if left > 0 {
            self.hook_failures.store(left - 1, Ordering::SeqCst);
            return Err(HandlerError::retryable("the database is down"));
        }
        self.told.lock().unwrap().push((
            envelope.payload.sample,
            notice.reason,
            notice.detail.clone(),
        ));
        Ok(())
    }
}

/// Polls `consumer` until an entry is dead-lettered or the limit passes.
async fn poll_until_dead(test: &TestBus, handler: &Doomed, consumer: &mut nexus_bus::Consumer) {
    let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
    while test.dead_letters().await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing was dead-lettered"
        );
        consumer.poll_once(handler).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_hook_hears_why_after_the_last_failed_delivery_before_the_entry_is_dead() {
    let test = TestBus::new(BusSettings {
        max_deliveries: 2,
        ..fast_settings()
    })
    .await;
    let mut consumer = test.consumer("scanner", "c1").await;
    publish_samples(&test.bus, 1).await;
    let handler = Doomed::new(Ending::Error, 0);

    poll_until_dead(&test, &handler, &mut consumer).await;

    let told = handler.told.lock().unwrap().clone();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, 0);
    assert_eq!(told[0].1, DeadLetterReason::RetriesExhausted);
    assert!(told[0].2.contains("crashes the parser"), "{}", told[0].2);
}

#[tokio::test]
async fn a_handler_that_times_out_on_its_last_delivery_is_reported_too() {
    let test = TestBus::new(BusSettings {
        max_deliveries: 1,
        handler_timeout: Duration::from_millis(100),
        ..fast_settings()
    })
    .await;
    let mut consumer = test.consumer("scanner", "c1").await;
    publish_samples(&test.bus, 1).await;
    let handler = Doomed::new(Ending::Hang, 0);

    poll_until_dead(&test, &handler, &mut consumer).await;

    let told = handler.told.lock().unwrap().clone();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].1, DeadLetterReason::RetriesExhausted);
    assert!(told[0].2.contains("did not finish"), "{}", told[0].2);
}

#[tokio::test]
async fn an_entry_whose_consumers_kept_dying_is_reported_when_found_over_the_limit() {
    let test = TestBus::new(BusSettings {
        max_deliveries: 1,
        ..fast_settings()
    })
    .await;
    publish_samples(&test.bus, 1).await;
    // A consumer takes the entry and dies (never handles it): it is delivered once already.
    let client = redis::Client::open(crate::common::redis_url()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let mut survivor = test.consumer("scanner", "survivor").await;
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("scanner")
        .arg("doomed")
        .arg("COUNT")
        .arg(1)
        .arg("STREAMS")
        .arg(test.bus.key(<ScanRequested as nexus_proto::Event>::STREAM))
        .arg(">")
        .query_async(&mut redis)
        .await
        .unwrap();
    let handler = Doomed::new(Ending::Error, 0);

    poll_until_dead(&test, &handler, &mut survivor).await;

    let told = handler.told.lock().unwrap().clone();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].1, DeadLetterReason::MaxDeliveriesExceeded);
}

#[tokio::test]
async fn a_failing_hook_keeps_the_entry_pending_until_the_report_succeeds() {
    let test = TestBus::new(BusSettings {
        max_deliveries: 1,
        ..fast_settings()
    })
    .await;
    let mut consumer = test.consumer("scanner", "c1").await;
    publish_samples(&test.bus, 1).await;
    let handler = Doomed::new(Ending::Error, 2);

    let first = consumer.poll_once(&handler).await.unwrap();
    assert_eq!(first.retried, 1, "{first:?}");
    assert!(test.dead_letters().await.is_empty());
    assert_eq!(test.pending("scanner").await, 1);

    poll_until_dead(&test, &handler, &mut consumer).await;

    let told = handler.told.lock().unwrap().clone();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].1, DeadLetterReason::MaxDeliveriesExceeded);
    assert_eq!(test.pending("scanner").await, 0);
    assert_eq!(test.dead_letters().await.len(), 1);
}
