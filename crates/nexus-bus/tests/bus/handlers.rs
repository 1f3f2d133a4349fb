//! Handlers shared by the stream tests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use nexus_bus::{Bus, Delivery, Handler, HandlerError};
use nexus_proto::Envelope;

use crate::common::ScanRequested;

/// Records every envelope and delivery it sees, then succeeds.
#[derive(Default)]
pub struct Recorder {
    seen: Mutex<Vec<(Envelope<ScanRequested>, Delivery)>>,
}

impl Recorder {
    pub fn seen(&self) -> Vec<(Envelope<ScanRequested>, Delivery)> {
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
pub struct Flaky {
    pub failures: u32,
    pub attempts: Mutex<Vec<u32>>,
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
pub struct Rejecting {
    pub calls: AtomicU32,
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

pub async fn publish_samples(bus: &Bus, count: u32) -> Vec<Envelope<ScanRequested>> {
    let mut envelopes = Vec::new();
    for sample in 0..count {
        let envelope = Envelope::new(ScanRequested { sample });
        bus.publish(&envelope).await.unwrap();
        envelopes.push(envelope);
    }
    envelopes
}
