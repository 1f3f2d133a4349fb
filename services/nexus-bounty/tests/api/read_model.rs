//! The read model follows the chain listener's confirmed events: published on the chain events
//! stream, consumed once each, a pending bounty opens, counts commitments and resolves; a
//! redelivered envelope changes nothing and an impossible event changes nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use nexus_bounty::store::{ChainApplied, ChainInput};
use nexus_bus::{Bus, BusSettings};
use nexus_core::bounty::{Effect, LifecycleError, LifecycleEvent};
use nexus_proto::Envelope;
use nexus_proto::bounty::BountyStatus;
use nexus_proto::chain::{ArtifactKind, AssertionCommitted, BountyOpened, LogPosition};
use nexus_testkit::nexus_client::CallContext;
use uuid::Uuid;

use crate::helpers::{TestApp, create_call, new_bounty};

const ALICE: &str = "0190a0a0-0000-7000-8000-00000000a11c";

fn log(seconds: u64, index: u64) -> LogPosition {
    LogPosition {
        chain_id: 31337,
        block_number: seconds,
        block_hash: format!("0x{seconds:064x}"),
        transaction_hash: format!("0x{index:064x}"),
        log_index: index,
        contract: format!("0x{}", "ef".repeat(20)),
        block_time: DateTime::from_timestamp(seconds as i64, 0).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chain_events_on_the_stream_open_a_pending_bounty_once() {
    let app = TestApp::spawn().await;
    let now = Utc::now().timestamp() as u64;
    let deadline = now + 3_600;
    let mut new = new_bounty(ALICE, 10, 1, true);
    new.assertion_deadline = DateTime::<Utc>::from_timestamp(deadline as i64, 0).unwrap();
    let (id, _) = app
        .store()
        .create_bounty(&new, create_call())
        .await
        .unwrap();

    let opened = BountyOpened {
        log: log(now, 1),
        bounty_id: 4,
        creator: format!("0x{}", nexus_core::hex::encode(&new.creator_address)),
        artifact_kind: ArtifactKind::File,
        artifact_hash: format!("0x{}", nexus_core::hex::encode(&new.artifact_hash)),
        reward: "10".into(),
        min_stake: new.min_stake.to_string(),
        assertion_deadline: deadline,
        reveal_deadline: deadline + 86_400,
    };
    let committed = AssertionCommitted {
        log: log(now + 5, 2),
        bounty_id: 4,
        analyst: format!("0x{}", "aa".repeat(20)),
        commitment: format!("0x{}", "33".repeat(32)),
        stake: "1000".into(),
    };
    let bus = Bus::connect(
        &app.context.redis_url,
        app.context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap();
    let first = Envelope::new(opened);
    bus.publish(&first).await.unwrap();
    bus.publish(&first).await.unwrap(); // the same envelope again: applied once
    bus.publish(&Envelope::new(committed)).await.unwrap();

    let bounties = app.service.client.bounties();
    let mut view = None;
    for _ in 0..100 {
        let read = bounties.get(&CallContext::default(), id).await.unwrap();
        if read.commitment_count == 1 {
            view = Some(read);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let view = view.expect("the read model caught up");
    assert_eq!(view.status, BountyStatus::Open);
    assert_eq!(view.chain_bounty_id, Some(4));
    assert_eq!(view.commitment_count, 1);
    assert_eq!(view.assertions.len(), 1);
    let assertion = &view.assertions[0];
    assert_eq!(assertion.analyst, format!("0x{}", "aa".repeat(20)));
    assert_eq!(
        (
            assertion.stake.as_str(),
            assertion.verdict.as_deref(),
            assertion.claimed
        ),
        ("1000", None, false)
    );
    let counted = |outcome: &str| {
        let prefix = format!("nexus_bounty_chain_events_total{{outcome=\"{outcome}\"}} ");
        let service = &app.service;
        async move { service.metric(&prefix).await.unwrap() }
    };
    assert_eq!(counted("applied").await, 2.0);
    assert_eq!(counted("duplicate").await, 1.0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impossible_or_repeated_event_changes_nothing_and_an_unknown_bounty_is_skipped() {
    let app = TestApp::spawn().await;
    let store = app.store();
    let now = Utc::now().timestamp() as u64;
    let deadline = now + 3_600;
    let mut new = new_bounty(ALICE, 10, 1, true);
    new.assertion_deadline = DateTime::<Utc>::from_timestamp(deadline as i64, 0).unwrap();
    let (id, _) = store.create_bounty(&new, create_call()).await.unwrap();
    let input = |input, envelope_id| ChainInput {
        consumer: "test",
        envelope_id,
        cause: "test",
        chain_bounty_id: 9,
        input,
        opened: None,
    };
    let commit = LifecycleEvent::Committed {
        analyst: [0xaa; 20],
        stake: 5,
        at: now,
    };
    // A commitment delivered before its BountyOpened waits (retried), it is not dropped.
    let early = store
        .apply_chain_event(input(commit, Uuid::now_v7()))
        .await
        .unwrap();
    assert_eq!(early, Err(LifecycleError::NotOnChain));

    let opened = LifecycleEvent::Opened {
        bounty_id: 9,
        assertion_deadline: deadline,
        reveal_deadline: deadline + 100,
        at: now,
    };
    let mut open = input(opened, Uuid::now_v7());
    open.opened = Some(nexus_bounty::domain::chain_events::OpenedTerms {
        creator: new.creator_address,
        artifact_hash: new.artifact_hash,
        reward: 10,
        min_stake: new.min_stake,
        assertion_deadline: deadline,
    });
    let applied = store.apply_chain_event(open).await.unwrap().unwrap();
    assert!(
        matches!(applied, ChainApplied::Applied { bounty_id, effect: Effect::Moved { .. } } if bounty_id == id)
    );
    assert_eq!(
        store.apply_chain_event(open).await.unwrap(),
        Ok(ChainApplied::Duplicate)
    );

    let late = LifecycleEvent::Committed {
        analyst: [0xbb; 20],
        stake: 5,
        at: deadline + 1,
    };
    let refused = store
        .apply_chain_event(input(late, Uuid::now_v7()))
        .await
        .unwrap();
    assert_eq!(refused, Err(LifecycleError::OutsideWindow));
    let row = store.bounty(id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.commitment_count), ("open", 0));

    // The early commitment, delivered again, now applies.
    let applied = store
        .apply_chain_event(input(commit, Uuid::now_v7()))
        .await
        .unwrap();
    assert!(
        matches!(applied, Ok(ChainApplied::Applied { .. })),
        "{applied:?}"
    );

    // A bounty created outside the platform: its opening and later events are skipped.
    let mut foreign = input(
        LifecycleEvent::Opened {
            bounty_id: 10,
            assertion_deadline: deadline,
            reveal_deadline: deadline + 100,
            at: now,
        },
        Uuid::now_v7(),
    );
    foreign.chain_bounty_id = 10;
    foreign.opened = Some(nexus_bounty::domain::chain_events::OpenedTerms {
        creator: [0x99; 20],
        artifact_hash: [0x99; 32],
        reward: 10,
        min_stake: 1,
        assertion_deadline: deadline,
    });
    assert_eq!(
        store.apply_chain_event(foreign).await.unwrap(),
        Ok(ChainApplied::UnknownBounty)
    );
    let mut later = input(commit, Uuid::now_v7());
    later.chain_bounty_id = 10;
    assert_eq!(
        store.apply_chain_event(later).await.unwrap(),
        Ok(ChainApplied::UnknownBounty)
    );

    // A new envelope with a fact already known (the listener published it twice) is harmless.
    let again = store
        .apply_chain_event(input(opened, Uuid::now_v7()))
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        again,
        ChainApplied::Applied {
            effect: Effect::Replayed,
            ..
        }
    ));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retraction_undoes_exactly_the_named_events() {
    let app = TestApp::spawn().await;
    let store = app.store();
    let now = Utc::now().timestamp() as u64;
    let deadline = now + 3_600;
    let mut new = new_bounty(ALICE, 10, 1, true);
    new.assertion_deadline = DateTime::<Utc>::from_timestamp(deadline as i64, 0).unwrap();
    let (id, _) = store.create_bounty(&new, create_call()).await.unwrap();
    let terms = nexus_bounty::domain::chain_events::OpenedTerms {
        creator: new.creator_address,
        artifact_hash: new.artifact_hash,
        reward: 10,
        min_stake: new.min_stake,
        assertion_deadline: deadline,
    };
    let (opened_id, first_id, second_id) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let inputs = [
        (
            opened_id,
            LifecycleEvent::Opened {
                bounty_id: 11,
                assertion_deadline: deadline,
                reveal_deadline: deadline + 100,
                at: now,
            },
        ),
        (
            first_id,
            LifecycleEvent::Committed {
                analyst: [0xaa; 20],
                stake: 5,
                at: now + 1,
            },
        ),
        (
            second_id,
            LifecycleEvent::Committed {
                analyst: [0xbb; 20],
                stake: 7,
                at: now + 2,
            },
        ),
    ];
    for (envelope_id, input) in inputs {
        let applied = store
            .apply_chain_event(ChainInput {
                consumer: "test",
                envelope_id,
                cause: "test",
                chain_bounty_id: 11,
                input,
                opened: Some(terms),
            })
            .await
            .unwrap();
        assert!(
            matches!(applied, Ok(ChainApplied::Applied { .. })),
            "{applied:?}"
        );
    }
    let row = store.bounty(id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.commitment_count), ("open", 2));

    let retraction = Uuid::now_v7();
    assert_eq!(
        store
            .retract_chain_events("test", retraction, &[second_id])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .retract_chain_events("test", retraction, &[second_id])
            .await
            .unwrap(),
        0
    );
    let row = store.bounty(id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.commitment_count), ("open", 1));

    let changed = store
        .retract_chain_events("test", Uuid::now_v7(), &[first_id, opened_id])
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let row = store.bounty(id).await.unwrap().unwrap();
    assert_eq!(row.status, "pending");
    assert_eq!((row.chain_bounty_id, row.commitment_count), (None, 0));
    app.stop().await;
}
