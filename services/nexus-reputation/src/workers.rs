//! The reputation service's background loops, all registered here, from
//! [`Service::workers`](nexus_runtime::Service::workers), with the service itself handed over.
//!
//! - `chain-events`: the consumer of the chain listener's events
//!   ([`crate::events::ChainEvents`], group `reputation-scores`): each envelope applied once;
//!   replicas share the group.
//! - `wallet-owners`: maps analyst wallets to accounts through nexus-user
//!   ([`crate::events::resolve_owners`]); replicas lease rows, nothing is lost while nexus-user
//!   is down.
//! - `file-types`: asks nexus-analysis for each file bounty's type and family
//!   ([`crate::judging::resolve_file_types`]); a file bounty is scored once its type is known.
//! - `rejudgements`: re-judges settled bounties at 30 and 90 days ([`crate::judging::rejudge`]).
//! - `referrals`: completes the referral of an account whose first assertion was judged right
//!   and records the referrer's bonus ([`crate::referrals::complete_referrals`]).
//! - `leaderboards`: rebuilds boards Redis lost, and all of them now and then
//!   ([`crate::events::keep_boards`]); safe with replicas (a rebuild is idempotent).

use std::sync::Arc;

use nexus_bus::ConsumerParams;
use nexus_runtime::Workers;

use crate::ReputationService;
use crate::events::{ChainEvents, SCORES_GROUP};

/// Registers every background loop of the service; each gets `service` (the same state the
/// handlers see) and stops when its cancellation token fires.
pub fn register(service: Arc<ReputationService>, workers: &mut Workers) {
    let consumer_name = format!("nexus-reputation-{}", uuid::Uuid::now_v7().simple());
    let bus = service.bus.clone();
    let handler = ChainEvents {
        store: service.store.clone(),
        boards: service.boards.clone(),
        metrics: service.metrics.clone(),
    };
    workers.add("chain-events", move |shutdown| async move {
        let params = ConsumerParams::new(
            nexus_proto::chain::EVENTS_STREAM,
            SCORES_GROUP,
            consumer_name,
        );
        let consumer = bus.consumer(params).await?;
        consumer.run(handler, shutdown).await;
        Ok(())
    });
    let types = Arc::clone(&service);
    workers.add("file-types", move |shutdown| {
        crate::judging::resolve_file_types(types, shutdown)
    });
    let rejudgements = Arc::clone(&service);
    workers.add("rejudgements", move |shutdown| {
        crate::judging::rejudge(rejudgements, shutdown)
    });
    let referrals = Arc::clone(&service);
    workers.add("referrals", move |shutdown| {
        crate::referrals::complete_referrals(referrals, shutdown)
    });
    let owners = Arc::clone(&service);
    workers.add("wallet-owners", move |shutdown| {
        crate::events::resolve_owners(owners, shutdown)
    });
    workers.add("leaderboards", move |shutdown| {
        crate::events::keep_boards(service, shutdown)
    });
}
