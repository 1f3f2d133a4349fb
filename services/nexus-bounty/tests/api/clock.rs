//! The read model's chain clock: a confirmed block past a deadline closes the window even when
//! the bounty gets no event of its own then (an open bounty nobody committed to expires, a
//! revealing one becomes resolving), once, with its BountyUpdated; the clock never moves back,
//! and an event from before the deadline delivered late still counts.

use chrono::{DateTime, Utc};
use nexus_bounty::domain::chain_events::OpenedTerms;
use nexus_bounty::store::{ChainInput, NewBounty, Store};
use nexus_core::bounty::LifecycleEvent;
use uuid::Uuid;

use crate::helpers::{TestApp, create_call, new_bounty};

const ALICE: &str = "0190a0a0-0000-7000-8000-00000000a11c";

/// A bounty posted and opened on chain as `chain_id`, its commit window closing at `deadline`
/// and its reveal window 100 s later.
async fn opened(store: &Store, chain_id: u64, now: u64, deadline: u64) -> (Uuid, NewBounty) {
    let mut new = new_bounty(ALICE, 10, 1, true);
    new.assertion_deadline = DateTime::<Utc>::from_timestamp(deadline as i64, 0).unwrap();
    new.reveal_deadline = DateTime::<Utc>::from_timestamp(deadline as i64 + 100, 0).unwrap();
    let (id, _) = store.create_bounty(&new, create_call()).await.unwrap();
    let mut open = input(
        chain_id,
        LifecycleEvent::Opened {
            bounty_id: chain_id,
            assertion_deadline: deadline,
            reveal_deadline: deadline + 100,
            at: now,
        },
    );
    open.opened = Some(OpenedTerms {
        creator: new.creator_address,
        artifact_hash: new.artifact_hash,
        reward: 10,
        min_stake: new.min_stake,
        assertion_deadline: deadline,
    });
    store.apply_chain_event(open).await.unwrap().unwrap();
    (id, new)
}

fn input(chain_id: u64, input: LifecycleEvent) -> ChainInput<'static> {
    ChainInput {
        consumer: "test",
        envelope_id: Uuid::now_v7(),
        cause: "test",
        chain_bounty_id: chain_id,
        input,
        opened: None,
    }
}

async fn status(store: &Store, id: Uuid) -> String {
    store.bounty(id).await.unwrap().unwrap().status
}

async fn block_time_updates(app: &TestApp) -> Vec<(Uuid, String)> {
    sqlx::query_as::<_, (serde_json::Value,)>(
        "SELECT envelope->'payload' FROM bounty.outbox WHERE envelope->>'name' = 'BountyUpdated' \
         ORDER BY created_at",
    )
    .fetch_all(&app.context.database.pool)
    .await
    .unwrap()
    .into_iter()
    .filter(|(payload,)| payload["cause"] == "BlockTime")
    .map(|(payload,)| {
        (
            payload["bounty_id"].as_str().unwrap().parse().unwrap(),
            payload["status"].as_str().unwrap().to_owned(),
        )
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_block_past_a_deadline_closes_the_window_once() {
    let app = TestApp::spawn().await;
    let store = app.store();
    let now = Utc::now().timestamp() as u64;
    let deadline = now + 3_600;
    let (quiet, _) = opened(&store, 21, now, deadline).await;
    let (busy, _) = opened(&store, 22, now, deadline).await;
    let committed = LifecycleEvent::Committed {
        analyst: [0xaa; 20],
        stake: 5_000,
        at: now + 10,
    };
    store
        .apply_chain_event(input(22, committed))
        .await
        .unwrap()
        .unwrap();

    // Before the deadline nothing moves.
    assert_eq!(store.advance_chain_clock(deadline - 1).await.unwrap(), 0);
    assert_eq!(status(&store, quiet).await, "open");

    // Past it: the bounty nobody committed to expires, the other one is revealing.
    assert_eq!(store.advance_chain_clock(deadline + 1).await.unwrap(), 2);
    assert_eq!(status(&store, quiet).await, "expired");
    assert_eq!(status(&store, busy).await, "revealing");
    // The same block again, or an older one (the clock never moves back): nothing more.
    assert_eq!(store.advance_chain_clock(deadline + 1).await.unwrap(), 0);
    assert_eq!(store.advance_chain_clock(now).await.unwrap(), 0);
    assert_eq!(status(&store, busy).await, "revealing");

    // Past the reveal deadline the revealing bounty is due for resolution.
    assert_eq!(store.advance_chain_clock(deadline + 101).await.unwrap(), 1);
    assert_eq!(status(&store, busy).await, "resolving");

    // Every update carries what the `bounties` feed's alert shows without a second request.
    let alerts = sqlx::query_as::<_, (serde_json::Value,)>(
        "SELECT envelope->'payload' FROM bounty.outbox WHERE envelope->>'name' = 'BountyUpdated'",
    )
    .fetch_all(&app.context.database.pool)
    .await
    .unwrap();
    assert!(!alerts.is_empty());
    for (payload,) in &alerts {
        assert_eq!(
            (&payload["artifact_kind"], &payload["reward"]),
            (&serde_json::json!("file"), &serde_json::json!("10")),
            "{payload}"
        );
    }
    let mut updates = block_time_updates(&app).await;
    updates.sort();
    let mut expected = vec![
        (quiet, "expired".to_owned()),
        (busy, "revealing".to_owned()),
        (busy, "resolving".to_owned()),
    ];
    expected.sort();
    assert_eq!(updates, expected);

    // A commitment made before the deadline but delivered after the clock passed it counts:
    // the expired bounty is revealing after all (what the chain says), and stays past the
    // clock's time when rebuilt.
    let late = LifecycleEvent::Committed {
        analyst: [0xbb; 20],
        stake: 5_000,
        at: deadline - 5,
    };
    store
        .apply_chain_event(input(21, late))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status(&store, quiet).await, "resolving");
    app.stop().await;
}
