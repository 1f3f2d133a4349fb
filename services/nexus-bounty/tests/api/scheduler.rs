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

/// A bounty `opened` on chain as `chain_id` and resolved `outcome` at `now - 3_000`, its
/// dispute window ending at `dispute_deadline`, owing the treasury `treasury` wei.
async fn resolved(
    store: &Store,
    chain_id: u64,
    now: i64,
    outcome: Outcome,
    dispute_deadline: i64,
    treasury: u128,
) -> Uuid {
    let id = opened(store, chain_id, now - 3_600).await;
    let input = ChainInput {
        consumer: "test",
        envelope_id: Uuid::now_v7(),
        cause: "BountyResolved",
        chain_bounty_id: chain_id,
        input: LifecycleEvent::Resolved {
            outcome,
            dispute_deadline: dispute_deadline as u64,
            at: (now - 3_000) as u64,
        },
        opened: None,
    };
    store
        .apply_chain_event_with(input, &[], Some(treasury))
        .await
        .unwrap()
        .unwrap();
    id
}

fn kinds(jobs: Vec<nexus_bounty::relayer::TransactionView>) -> Vec<String> {
    jobs.into_iter().map(|job| job.kind).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_treasury_is_paid_once_per_final_bounty_that_owes_it_something() {
    let app = TestApp::spawn().await;
    let store = app.store();
    let now = Utc::now().timestamp();
    let final_fee = resolved(&store, 11, now, Outcome::Malicious, now - 600, 7).await;
    let nothing_owed = resolved(&store, 12, now, Outcome::Benign, now - 600, 0).await;
    let disputable = resolved(&store, 13, now, Outcome::Benign, now + 600, 9).await;
    let paid_by_someone = resolved(&store, 14, now, Outcome::Invalid, now - 600, 5).await;
    let ruled = resolved(&store, 15, now, Outcome::Benign, now - 600, 0).await;
    // Disputed in time and ruled the other way: the ruling's settlement owes a fee.
    for (input, cause) in [
        (
            LifecycleEvent::DisputeOpened {
                arbitration_deadline: (now + 3_600) as u64,
                at: (now - 2_000) as u64,
            },
            "DisputeOpened",
        ),
        (
            LifecycleEvent::DisputeDecided {
                outcome: Outcome::Malicious,
                at: (now - 1_000) as u64,
            },
            "DisputeDecided",
        ),
    ] {
        let treasury = (cause == "DisputeDecided").then_some(3);
        let event = ChainInput {
            consumer: "test",
            envelope_id: Uuid::now_v7(),
            cause,
            chain_bounty_id: 15,
            input,
            opened: None,
        };
        store
            .apply_chain_event_with(event, &[], treasury)
            .await
            .unwrap()
            .unwrap();
    }
    // Someone else called payTreasury: the confirmed TreasuryPaid marks it paid; a last claim's
    // dust does not.
    for (chain_bounty_id, dust) in [(14, false), (11, true)] {
        let paid = nexus_proto::chain::ChainEvent::TreasuryPaid(nexus_proto::chain::TreasuryPaid {
            log: nexus_proto::chain::LogPosition {
                chain_id: 31337,
                block_number: 9,
                block_hash: format!("0x{}", "ab".repeat(32)),
                transaction_hash: format!("0x{}", "cd".repeat(32)),
                log_index: 0,
                contract: format!("0x{}", "ef".repeat(20)),
                block_time: DateTime::<Utc>::from_timestamp(now - 100, 0).unwrap(),
            },
            bounty_id: chain_bounty_id,
            treasury: format!("0x{}", "77".repeat(20)),
            amount: "5".into(),
            dust,
        });
        if let Some(record) = nexus_bounty::domain::chain_events::settlement_record(&paid).unwrap()
        {
            assert!(!dust);
            store
                .apply_settlement_record("test", Uuid::now_v7(), record)
                .await
                .unwrap()
                .unwrap();
        }
    }

    let mut due = scheduler::tick(&store, &deployment(), now, GRACE)
        .await
        .unwrap();
    due.sort();
    // Bounty 14 (Invalid) still refunds its creator; 11 and 15 pay the treasury.
    assert_eq!(due, ["pay_treasury", "pay_treasury", "refund_creator"]);
    assert!(
        scheduler::tick(&store, &deployment(), now, GRACE)
            .await
            .unwrap()
            .is_empty()
    );
    for (id, expected) in [
        (final_fee, vec!["create_bounty", "pay_treasury"]),
        (ruled, vec!["create_bounty", "pay_treasury"]),
        (nothing_owed, vec!["create_bounty"]),
        (disputable, vec!["create_bounty"]),
        (paid_by_someone, vec!["create_bounty", "refund_creator"]),
    ] {
        assert_eq!(
            kinds(store.bounty_transactions(id).await.unwrap()),
            expected
        );
    }
    // The dispute window of the last one closes by the chain's clock (the wall clock lags it).
    store.advance_chain_clock((now + 601) as u64).await.unwrap();
    assert_eq!(
        scheduler::tick(&store, &deployment(), now, GRACE)
            .await
            .unwrap(),
        ["pay_treasury"]
    );
    app.stop().await;
}

/// An unstake the analyst withdrew itself (`UnstakeWithdrawn`) is not released again: the
/// scheduler queues `withdrawUnstakedFor` only for the account whose cooldown is still there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unstake_withdrawn_by_its_account_is_not_released_again() {
    use nexus_proto::chain::{ChainEvent, LogPosition, UnstakeRequested, UnstakeWithdrawn};

    let app = TestApp::spawn().await;
    let store = app.store();
    let now = Utc::now().timestamp();
    let log = |block_number: u64| LogPosition {
        chain_id: 31337,
        block_number,
        block_hash: format!("0x{block_number:064x}"),
        transaction_hash: format!("0x{}", "cd".repeat(32)),
        log_index: 0,
        contract: format!("0x{}", "ef".repeat(20)),
        block_time: DateTime::<Utc>::from_timestamp(now - 1_000, 0).unwrap(),
    };
    let (waiting, withdrawn) = (
        format!("0x{}", "a1".repeat(20)),
        format!("0x{}", "b2".repeat(20)),
    );
    let mut events = Vec::new();
    for (block, account) in [(5, &waiting), (6, &withdrawn)] {
        events.push(ChainEvent::UnstakeRequested(UnstakeRequested {
            log: log(block),
            account: account.clone(),
            amount: "10".into(),
            total_unstaking: "10".into(),
            unlock_time: (now - 500) as u64,
        }));
    }
    events.push(ChainEvent::UnstakeWithdrawn(UnstakeWithdrawn {
        log: log(7),
        account: withdrawn.clone(),
        amount: "10".into(),
    }));
    for event in &events {
        let record = nexus_bounty::domain::chain_events::settlement_record(event)
            .unwrap()
            .unwrap();
        store
            .apply_settlement_record("test", Uuid::now_v7(), record)
            .await
            .unwrap()
            .unwrap();
    }

    assert_eq!(
        scheduler::tick(&store, &deployment(), now, GRACE)
            .await
            .unwrap(),
        ["withdraw_unstaked"],
        "only the cooldown still there is released"
    );
    assert!(
        scheduler::tick(&store, &deployment(), now, GRACE)
            .await
            .unwrap()
            .is_empty()
    );
}
