//! The chain listener's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! - `chain-follower`: repeats [`Follower::step`](crate::follower::Follower::step): at once
//!   while there is more to read, every `poll_interval` once caught up, and after a failure
//!   (node unreachable, database down) after a wait that doubles up to `max_retry_backoff`. It
//!   never ends before shutdown (that would turn `/ready` red for the wrong reason): a halt
//!   keeps it idle, with the reason in `/ready`. When it stops it gives back the connection a
//!   backfill keeps between steps, so the shutdown's pool close does not wait for it.

use std::sync::Arc;
use std::time::Duration;

use nexus_runtime::Workers;

use crate::ChainListenerService;
use crate::follower::Step;

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<ChainListenerService>, workers: &mut Workers) {
    workers.add("chain-follower", move |token| async move {
        let poll = service.settings.poll_interval;
        let mut backoff = poll;
        let mut wait = Duration::ZERO;
        loop {
            tokio::select! {
                () = token.cancelled() => {
                    service.follower.release();
                    return Ok(());
                }
                () = tokio::time::sleep(wait) => {}
            }
            let step = tokio::select! {
                () = token.cancelled() => {
                    service.follower.release();
                    return Ok(());
                }
                step = service.follower.step(&service.store, &service.metrics) => step,
            };
            wait = match step {
                Ok(Step::Progressed) => {
                    backoff = poll;
                    Duration::ZERO
                }
                Ok(Step::CaughtUp | Step::Halted) => {
                    backoff = poll;
                    poll
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in = ?backoff, "chain follower step failed");
                    service.metrics.rpc_error();
                    service.follower.failed(&error);
                    let this = backoff;
                    backoff = (backoff * 2).min(service.settings.max_retry_backoff);
                    this
                }
            };
        }
    });
}
