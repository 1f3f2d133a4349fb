//! Each consumer applies an envelope once: the same envelope delivered twice makes one notice.

use nexus_proto::Envelope;
use nexus_proto::bounty::BountyStatus;
use nexus_proto::report::VerdictHint;
use nexus_proto::reputation::{ReputationChanged, TrustLevel, TrustLevelChanged};
use uuid::Uuid;

use crate::helpers::{TestApp, analysis, bounty_update, earnings, sha, wait_until};

fn reputation(user: Uuid, delta: f64) -> Envelope<ReputationChanged> {
    Envelope::new(ReputationChanged {
        user_id: user.to_string(),
        analyst: "0x00000000000000000000000000000000000000aa".to_owned(),
        chain_bounty_id: Some(3),
        reason: "BountyResolved".to_owned(),
        delta,
        score: 12.5,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_envelope_twice_makes_one_notice_on_every_consumer() {
    let app = TestApp::spawn().await;
    let alice = Uuid::now_v7();

    // Each stream: the envelope twice, then a marker; once the marker's notice is there, both
    // copies were handled (a stream is read in order).
    let first = analysis(alice, &sha(1), VerdictHint::Benign);
    app.publish(&first).await;
    app.publish(&first).await;
    app.publish(&analysis(alice, &sha(2), VerdictHint::Benign))
        .await;

    let commit = bounty_update(
        alice,
        &sha(3),
        "AssertionCommitted",
        (BountyStatus::Open, BountyStatus::Open),
        None,
    );
    let claimable = earnings(alice, "BountyResolved");
    for envelope in [&claimable, &claimable] {
        app.publish(envelope).await;
    }
    app.publish(&commit).await;
    app.publish(&commit).await;
    app.publish(&earnings(alice, "RewardClaimed")).await;

    let changed = reputation(alice, 1.5);
    app.publish(&changed).await;
    app.publish(&changed).await;
    app.publish(&Envelope::new(TrustLevelChanged {
        user_id: alice.to_string(),
        analyst: "0x00000000000000000000000000000000000000aa".to_owned(),
        previous: TrustLevel::Newcomer,
        current: TrustLevel::Established,
    }))
    .await;

    let inbox = wait_until("the three markers", || async {
        let inbox = app.inbox(alice).await;
        let has = |kind: &str| inbox.iter().any(|n| n["kind"] == kind);
        let analyses = inbox
            .iter()
            .filter(|n| n["kind"] == "analysis.completed")
            .count();
        (analyses >= 2 && has("reward.claimed") && has("trust_level.changed")).then_some(inbox)
    })
    .await;
    let count = |kind: &str| inbox.iter().filter(|n| n["kind"] == kind).count();
    assert_eq!(count("analysis.completed"), 2);
    assert_eq!(count("reward.claimable"), 1);
    assert_eq!(count("bounty.activity"), 1);
    assert_eq!(count("reputation.changed"), 1);
    assert_eq!(inbox.len(), 7, "{inbox:#?}");
    // The duplicates are counted as such.
    let duplicates = app
        .service
        .metric("nexus_notification_source_events_total{stream=\"nexus:analysis:events:v1\",outcome=\"duplicate\"}")
        .await
        .unwrap();
    assert_eq!(duplicates, 1.0);
    app.stop().await;
}
