//! The chain listener's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! - `chain-follower`: repeats [`Follower::step`](crate::follower::Follower::step): at once
//!   while there is more to read, every `poll_interval` once caught up, and after a failure
//!   (node unreachable, database down) after a wait that doubles up to `max_retry_backoff`. It
//!   never ends before shutdown (that would turn `/ready` red for the wrong reason): a halt
//!   keeps it idle, with the reason in `/ready`. When it stops it gives back the connection a
//!   backfill keeps between steps, so the shutdown's pool close does not wait for it.
//!
//! One follower among replicas: a step runs only while this replica holds the follower lease
//! ([`SessionLease`], a PostgreSQL session advisory lock), so one writer moves the checkpoint
//! and follows reorganisations. The other replicas wait as standbys (they serve the read API
//! from the same database) and try the lease every `poll_interval`; the holder's death ends its
//! session and so releases the lease at once. `nexus_chain_follower_lease` says which replica
//! follows.

use std::sync::Arc;
use std::time::Duration;

use nexus_db::SessionLease;
use nexus_runtime::Workers;

use crate::ChainListenerService;
use crate::follower::Step;

/// The follower lease's name (hashed into the advisory lock key).
pub const FOLLOWER_LEASE: &str = "nexus-chain-listener.follower";

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<ChainListenerService>, workers: &mut Workers) {
    workers.add("chain-follower", move |token| async move {
        let poll = service.settings.poll_interval;
        let mut backoff = poll;
        let mut wait = Duration::ZERO;
        let mut lease = SessionLease::new(FOLLOWER_LEASE);
        loop {
            tokio::select! {
                () = token.cancelled() => break,
                () = tokio::time::sleep(wait) => {}
            }
            if !hold_lease(&service, &mut lease).await {
                wait = poll;
                continue;
            }
            let step = tokio::select! {
                () = token.cancelled() => break,
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
        service.follower.release();
        lease.give_up().await;
        Ok(())
    });
}

/// Whether this replica may step now: holds (or just took) the follower lease. A replica that
/// loses it gives back what a backfill kept, so the new holder starts from the stored
/// checkpoint.
async fn hold_lease(service: &ChainListenerService, lease: &mut SessionLease) -> bool {
    let was_held = lease.is_held();
    let held = match lease.try_hold(service.store.pool()).await {
        Ok(held) => held,
        Err(error) => {
            tracing::warn!(%error, "The chain follower's lease session failed; it is given up and tried again.");
            false
        }
    };
    service.metrics.lease(held);
    match (was_held, held) {
        (false, true) => {
            tracing::info!("This replica holds the follower lease and follows the chain.")
        }
        (true, false) => {
            tracing::warn!("This replica lost the follower lease; it waits as a standby.");
            service.follower.release();
        }
        _ => {}
    }
    held
}
