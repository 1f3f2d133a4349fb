//! The key guarantee: a consumer killed mid-message loses nothing and, with an idempotent effect,
//! duplicates nothing. Another consumer reclaims the entry with `XAUTOCLAIM` after `claim_idle`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use nexus_bus::{
    Bus, BusMetrics, BusSettings, Delivery, Handler, HandlerError, Idempotency, RedisEffect,
};
use nexus_proto::{Envelope, Event};
use prometheus_client::registry::Registry;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::common::{ScanRequested, TestBus, fast_settings, wait_until, within_limit};

const GROUP: &str = "scanner";

/// Where the first consumer dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DieAt {
    BeforeTheEffect,
    AfterTheEffectBeforeTheAck,
}

/// Every handler invocation: (event id, consumer, attempt).
type Invocations = Arc<Mutex<Vec<(Uuid, String, u32)>>>;

/// The effect under test: an idempotent counter per event, plus a naive (non-idempotent) counter
/// that shows how often the effect code really ran.
#[derive(Clone)]
struct Effect {
    bus: Bus,
    idempotency: Idempotency,
}

impl Effect {
    fn idempotent_key(&self, event_id: Uuid) -> String {
        self.bus.key(&format!("effects:idempotent:{event_id}"))
    }

    fn naive_key(&self, event_id: Uuid) -> String {
        self.bus.key(&format!("effects:naive:{event_id}"))
    }

    async fn apply(&self, event_id: Uuid) -> Result<(), HandlerError> {
        let mut connection = self.bus.connection();
        let effect = RedisEffect::new().incr_by(self.idempotent_key(event_id), 1);
        self.idempotency
            .apply_once(&mut connection, event_id, &effect)
            .await
            .map_err(HandlerError::retryable)?;
        redis::cmd("INCR")
            .arg(self.naive_key(event_id))
            .query_async::<i64>(&mut connection)
            .await
            .map_err(HandlerError::retryable)?;
        Ok(())
    }

    async fn counts(&self, event_id: Uuid) -> (i64, i64) {
        let mut connection = self.bus.connection();
        let idempotent: Option<i64> = redis::cmd("GET")
            .arg(self.idempotent_key(event_id))
            .query_async(&mut connection)
            .await
            .unwrap();
        let naive: Option<i64> = redis::cmd("GET")
            .arg(self.naive_key(event_id))
            .query_async(&mut connection)
            .await
            .unwrap();
        (idempotent.unwrap_or(0), naive.unwrap_or(0))
    }
}

/// The first consumer's handler: reaches `die_at`, reports the event id, and hangs forever, so the
/// test can kill its task with the entry in hand and unacknowledged.
struct Doomed {
    die_at: DieAt,
    effect: Effect,
    reached: mpsc::UnboundedSender<Uuid>,
    invocations: Invocations,
}

impl Handler for Doomed {
    type Event = ScanRequested;

    async fn handle(
        &self,
        envelope: Envelope<ScanRequested>,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        self.invocations.lock().unwrap().push((
            envelope.id,
            delivery.consumer.clone(),
            delivery.attempt,
        ));
        if self.die_at == DieAt::AfterTheEffectBeforeTheAck {
            self.effect.apply(envelope.id).await?;
        }
        self.reached.send(envelope.id).unwrap();
        std::future::pending::<()>().await;
        Ok(())
    }
}

/// The surviving consumer's handler: applies the effect and succeeds.
struct Survivor {
    effect: Effect,
    invocations: Invocations,
}

impl Handler for Survivor {
    type Event = ScanRequested;

    async fn handle(
        &self,
        envelope: Envelope<ScanRequested>,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        self.invocations.lock().unwrap().push((
            envelope.id,
            delivery.consumer.clone(),
            delivery.attempt,
        ));
        self.effect.apply(envelope.id).await
    }
}

async fn kill_a_consumer_mid_message_then_recover(die_at: DieAt) {
    // Arrange: three events, a consumer that takes one at a time.
    let mut registry = Registry::default();
    let metrics = BusMetrics::register(&mut registry);
    let test = TestBus::new(BusSettings {
        batch_size: 1,
        ..fast_settings()
    })
    .await;
    let bus = test.bus.clone().with_metrics(metrics);
    let effect = Effect {
        bus: bus.clone(),
        idempotency: Idempotency::for_bus(&bus, GROUP, std::time::Duration::from_secs(600)),
    };
    let mut published = Vec::new();
    for sample in 0..3 {
        let envelope = Envelope::new(ScanRequested { sample });
        bus.publish(&envelope).await.unwrap();
        published.push(envelope.id);
    }
    let invocations = Invocations::default();

    // Act 1: the doomed consumer takes the first event, reaches its dying point, and is killed.
    let (reached_sender, mut reached) = mpsc::unbounded_channel();
    let doomed = Doomed {
        die_at,
        effect: effect.clone(),
        reached: reached_sender,
        invocations: Arc::clone(&invocations),
    };
    let doomed_consumer = bus.consumer(test.params(GROUP, "doomed")).await.unwrap();
    let doomed_task = tokio::spawn(doomed_consumer.run(doomed, CancellationToken::new()));
    let killed_id = within_limit(
        "the doomed handler to reach its dying point",
        reached.recv(),
    )
    .await
    .unwrap();
    doomed_task.abort();
    let killed = within_limit("the doomed task to end", doomed_task).await;
    assert!(
        killed.is_err_and(|error| error.is_cancelled()),
        "the doomed task must have been killed"
    );
    let pending_after_kill = bus
        .pending_count(ScanRequested::STREAM, GROUP)
        .await
        .unwrap();
    let effect_after_kill = effect.counts(killed_id).await;

    // Act 2: a survivor in the same group reclaims the orphaned entry and handles the rest.
    let survivor = Survivor {
        effect: effect.clone(),
        invocations: Arc::clone(&invocations),
    };
    let survivor_consumer = bus.consumer(test.params(GROUP, "survivor")).await.unwrap();
    let shutdown = CancellationToken::new();
    let survivor_task = tokio::spawn(survivor_consumer.run(survivor, shutdown.clone()));
    wait_until(
        "the survivor handled all three events and nothing is pending",
        || async {
            let handled_by_survivor = invocations
                .lock()
                .unwrap()
                .iter()
                .filter(|call| call.1 == "survivor")
                .count();
            handled_by_survivor == 3
                && bus
                    .pending_count(ScanRequested::STREAM, GROUP)
                    .await
                    .unwrap()
                    == 0
        },
    )
    .await;
    shutdown.cancel();
    within_limit("the survivor to stop", survivor_task)
        .await
        .unwrap();

    // Assert.
    assert_eq!(
        killed_id, published[0],
        "the doomed consumer took the oldest event"
    );
    assert_eq!(
        pending_after_kill, 1,
        "the killed consumer's entry must stay pending"
    );
    let expected_at_kill = match die_at {
        DieAt::BeforeTheEffect => (0, 0),
        DieAt::AfterTheEffectBeforeTheAck => (1, 1),
    };
    assert_eq!(effect_after_kill, expected_at_kill);
    let calls = invocations.lock().unwrap().clone();
    let mut calls_per_event: HashMap<Uuid, Vec<(String, u32)>> = HashMap::new();
    for (event_id, consumer, attempt) in calls {
        calls_per_event
            .entry(event_id)
            .or_default()
            .push((consumer, attempt));
    }
    assert_eq!(
        calls_per_event[&killed_id],
        vec![("doomed".to_owned(), 1), ("survivor".to_owned(), 2)],
        "the killed entry is redelivered once, as the second delivery"
    );
    for other in &published[1..] {
        assert_eq!(calls_per_event[other], vec![("survivor".to_owned(), 1)]);
    }
    for event_id in &published {
        let (idempotent, naive) = effect.counts(*event_id).await;
        assert_eq!(
            idempotent, 1,
            "the effect of {event_id} must happen exactly once"
        );
        let expected_naive =
            if *event_id == killed_id && die_at == DieAt::AfterTheEffectBeforeTheAck {
                2
            } else {
                1
            };
        assert_eq!(
            naive, expected_naive,
            "how often the effect code ran for {event_id}"
        );
    }
    assert_eq!(
        bus.pending_count(ScanRequested::STREAM, GROUP)
            .await
            .unwrap(),
        0
    );
    assert!(
        bus.dead_letters(ScanRequested::STREAM, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
    let stream = ScanRequested::STREAM;
    assert!(
        text.contains(&format!(
            "nexus_bus_reclaimed_total{{stream=\"{stream}\"}} 1"
        )),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_killed_after_the_effect_before_the_ack_is_recovered_without_a_second_effect() {
    kill_a_consumer_mid_message_then_recover(DieAt::AfterTheEffectBeforeTheAck).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_killed_before_the_effect_is_recovered_with_the_effect_applied_once() {
    kill_a_consumer_mid_message_then_recover(DieAt::BeforeTheEffect).await;
}
