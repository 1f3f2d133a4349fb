//! The scheduler queues `resolve` once a bounty's reveal window is over and `refundCreator` once
//! an Invalid outcome is final, each once, whatever the number of ticks (or replicas).

use std::time::Duration;

use alloy::primitives::Address;
use chrono::{DateTime, Utc};
use nexus_bounty::domain::chain_events::OpenedTerms;
use nexus_bounty::scheduler;
use nexus_bounty::store::{ChainInput, Store};
use nexus_chain::deploy::Deployment;
use nexus_core::bounty::LifecycleEvent;
use nexus_core::settlement::Outcome;
use nexus_testkit::nexus_client::CallContext;
use uuid::Uuid;

use crate::helpers::{TestApp, create_call, new_bounty};

const ALICE: &str = "0190a0a0-0000-7000-8000-00000000a11c";
const GRACE: Duration = Duration::from_secs(60);

fn deployment() -> Deployment {
    Deployment {
        chain_id: 31337,
        deployer: Address::repeat_byte(1),
        block_number: 1,
        reputation_token: Address::repeat_byte(2),
        timelock: Address::repeat_byte(3),
        governance: Address::repeat_byte(4),
        bounty: Address::repeat_byte(5),
    }
}

/// A bounty opened on chain as `chain_id` with its reveal window ending at `reveal_deadline`.
async fn opened(store: &Store, chain_id: u64, reveal_deadline: i64) -> Uuid {
    let assertion_deadline = reveal_deadline - 100;
    let mut new = new_bounty(ALICE, 10, 1, true);
    new.assertion_deadline = DateTime::<Utc>::from_timestamp(assertion_deadline, 0).unwrap();
    new.reveal_deadline = DateTime::<Utc>::from_timestamp(reveal_deadline, 0).unwrap();
    let (id, _) = store.create_bounty(&new, create_call()).await.unwrap();
    let input = ChainInput {
        consumer: "test",
        envelope_id: Uuid::now_v7(),
        cause: "BountyOpened",
        chain_bounty_id: chain_id,
        input: LifecycleEvent::Opened {
            bounty_id: chain_id,
            assertion_deadline: assertion_deadline as u64,
            reveal_deadline: reveal_deadline as u64,
            at: (assertion_deadline - 100) as u64,
        },
        opened: Some(OpenedTerms {
            creator: new.creator_address,
            artifact_hash: new.artifact_hash,
            reward: 10,
            min_stake: new.min_stake,
            assertion_deadline: assertion_deadline as u64,
        }),
    };
    store.apply_chain_event(input).await.unwrap().unwrap();
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn due_resolutions_and_refunds_are_queued_once_each() {
    let app = TestApp::spawn().await;
    let store = app.store();
    let now = Utc::now().timestamp();
    let past = opened(&store, 1, now - 3_600).await;
    let future = opened(&store, 2, now + 3_600).await;
    let within_grace = opened(&store, 3, now - 10).await;

    assert_eq!(
        scheduler::tick(&store, &deployment(), now, GRACE)
            .await
            .unwrap(),
        ["resolve"]
    );
    assert!(
        scheduler::tick(&store, &deployment(), now, GRACE)
            .await
            .unwrap()
            .is_empty()
    );
    let jobs = store.bounty_transactions(past).await.unwrap();
    assert_eq!(
        jobs.iter().map(|job| job.kind.as_str()).collect::<Vec<_>>(),
        ["create_bounty", "resolve"]
    );
    for id in [future, within_grace] {
        let kinds: Vec<String> = store
            .bounty_transactions(id)
            .await
            .unwrap()
            .into_iter()
            .map(|job| job.kind)
            .collect();
        assert_eq!(kinds, ["create_bounty"]);
    }

    // The chain resolved it Invalid (nobody committed); once the dispute window is over the
    // creator's refund is queued, once.
    let resolved = ChainInput {
        consumer: "test",
        envelope_id: Uuid::now_v7(),
        cause: "BountyResolved",
        chain_bounty_id: 1,
        input: LifecycleEvent::Resolved {
            outcome: Outcome::Invalid,
            dispute_deadline: (now - 600) as u64,
            at: (now - 3_000) as u64,
        },
        opened: None,
    };
    store.apply_chain_event(resolved).await.unwrap().unwrap();
    assert_eq!(
        scheduler::tick(&store, &deployment(), now, GRACE)
            .await
            .unwrap(),
        ["refund_creator"]
    );
    assert!(
        scheduler::tick(&store, &deployment(), now, GRACE)
            .await
            .unwrap()
            .is_empty()
    );
    let kinds: Vec<String> = store
        .bounty_transactions(past)
        .await
        .unwrap()
        .into_iter()
        .map(|job| job.kind)
        .collect();
    assert_eq!(kinds, ["create_bounty", "resolve", "refund_creator"]);
    let row = store.bounty(past).await.unwrap().unwrap();
    assert_eq!(row.status, "expired");

    // The bounty's page shows its relayed calls and their status.
    let view = app
        .service
        .client
        .bounties()
        .get(&CallContext::default(), past)
        .await
        .unwrap();
    let shown: Vec<(&str, &str)> = view
        .transactions
        .iter()
        .map(|job| (job.kind.as_str(), job.status.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("create_bounty", "queued"),
            ("resolve", "queued"),
            ("refund_creator", "queued")
        ]
    );
    app.stop().await;
}
