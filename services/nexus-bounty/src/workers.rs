//! The bounty service's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! - `relayer`: the transaction sender of the configured relayer key ([`crate::relayer::run`]):
//!   one sender per key across replicas (a PostgreSQL advisory lock), sending queued calls and
//!   following their receipts; without a key it relays nothing and waits for shutdown.
//!
//! - `chain-events`: the read model's consumer of the chain listener's events
//!   ([`crate::events::ChainEvents`], group `bounty-read-model`): each envelope moves a bounty
//!   once; replicas share the group.
//!
//! - `scheduler`: queues `resolve` after reveal windows, `refundCreator` for final Invalid
//!   outcomes, `payTreasury` for final outcomes owing the treasury something,
//!   `slashUnrevealed` for analysts of resolved bounties who never revealed and
//!   `withdrawUnstakedFor` for cooled-down unstakes ([`crate::scheduler`]); idempotent on the
//!   queue's keys, safe with replicas.
//!
//! - `chain-clock`: moves the read model's clock to the newest confirmed block's time, closing
//!   the windows it passed ([`crate::scheduler::run_clock`]); safe with replicas.
//!
//! - `earnings-notifier`: publishes the `EarningsChanged` the read model queued, once
//!   nexus-user names the wallet's account ([`crate::events::notify_earnings`]); replicas lease
//!   rows, nothing is lost while nexus-user is down.

use std::sync::Arc;

use nexus_bus::ConsumerParams;
use nexus_runtime::Workers;

use crate::BountyService;
use crate::events::{ChainEvents, READ_MODEL_GROUP};
use crate::relayer;

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<BountyService>, workers: &mut Workers) {
    let consumer_name = format!("nexus-bounty-{}", uuid::Uuid::now_v7().simple());
    let bus = service.bus.clone();
    let store = service.store.clone();
    let metrics = service.metrics.clone();
    workers.add("chain-events", move |shutdown| async move {
        let params = ConsumerParams::new(
            nexus_proto::chain::EVENTS_STREAM,
            READ_MODEL_GROUP,
            consumer_name,
        );
        let consumer = bus.consumer(params).await?;
        consumer.run(ChainEvents { store, metrics }, shutdown).await;
        Ok(())
    });
    let scheduled = Arc::clone(&service);
    workers.add("scheduler", move |shutdown| {
        crate::scheduler::run(
            scheduled.store.clone(),
            scheduled.settings.chain.deployment_file.clone(),
            scheduled.settings.scheduler.clone(),
            scheduled.metrics.clone(),
            shutdown,
        )
    });
    let clocked = Arc::clone(&service);
    workers.add("chain-clock", move |shutdown| {
        crate::scheduler::run_clock(
            clocked.store.clone(),
            Arc::clone(&clocked.chain),
            clocked.settings.chain.confirmations,
            clocked.settings.scheduler.interval,
            shutdown,
        )
    });
    // HC: the earnings notifier.
    let notifier = Arc::clone(&service);
    workers.add("earnings-notifier", move |shutdown| {
        crate::events::notify_earnings(notifier, shutdown)
    });
    workers.add("relayer", move |shutdown| {
        relayer::run(
            service.store.clone(),
            service.settings.relayer.clone(),
            service.settings.chain.clone(),
            shutdown,
        )
    });
}
