//! Re-judgement at 30 and 90 days: a bounty whose later evidence disagrees with its outcome is
//! re-scored with the reason in the history (a later bounty on the same URL; a newer, confident
//! malicious analysis of the same file), once per bounty per milestone. Time is injected through
//! the chain's block times: the bounties settled 31 and 91 days ago.

use std::collections::BTreeMap;

use nexus_proto::Envelope;
use nexus_proto::chain::{ArtifactKind, BountyOpened, Outcome, Verdict};
use serde_json::json;

use crate::analysis_stub::StubAnalysis;
use crate::helpers::{Member, NXS, TestApp, history_page, log, now, resolved, revealed, wait_for};
use crate::types::opened_file;

/// A file a newer analysis calls malicious at 95.
const FILE: &str = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
const DAY: i64 = 86_400;

/// `BountyOpened` of bounty `id` on the URL reference `0x{reference:064x}`.
fn opened_url(id: u64, reference: u64, at: i64) -> Envelope<BountyOpened> {
    Envelope::new(BountyOpened {
        log: log(at, 0),
        bounty_id: id,
        creator: format!("0x{}", "cc".repeat(20)),
        artifact_kind: ArtifactKind::Url,
        artifact_hash: format!("0x{reference:064x}"),
        reward: NXS.to_string(),
        min_stake: "1".into(),
        assertion_deadline: 1,
        reveal_deadline: 2,
    })
}

/// Alice malicious at 90 %, Bob benign at 90 %, on bounty `id` (opened by `opening`), settled
/// at `at` with `outcome`.
async fn settle(
    app: &TestApp,
    opening: Envelope<BountyOpened>,
    (alice, bob): (&Member, &Member),
    outcome: Outcome,
    at: i64,
) {
    let id = opening.payload.bounty_id;
    app.publish(&opening).await;
    app.publish(&revealed(id, &alice.wallet, Verdict::Malicious, 90, at + 1))
        .await;
    app.publish(&revealed(id, &bob.wallet, Verdict::Benign, 90, at + 1))
        .await;
    app.publish(&resolved(
        id,
        outcome,
        &[
            (&alice.wallet, Verdict::Malicious),
            (&bob.wallet, Verdict::Benign),
        ],
        at + 2,
    ))
    .await;
}

async fn checks(app: &TestApp) -> Vec<(i64, i32, Option<String>, String, Option<String>)> {
    sqlx::query_as(
        "SELECT bounty_id, milestone_days, ground_truth, evidence, new_outcome \
         FROM reputation.rejudgements ORDER BY bounty_id, milestone_days",
    )
    .fetch_all(&app.context.database.pool)
    .await
    .expect("checks")
}

/// `member`'s history entries of `reason` on `bounty_id`: (outcome, delta).
async fn entries(
    app: &TestApp,
    member: &Member,
    bounty_id: u64,
    reason: &str,
) -> Vec<(Option<String>, f64)> {
    app.history(&member.id, &history_page(Some(100), None))
        .await
        .entries
        .into_iter()
        .filter(|entry| entry.bounty_id == bounty_id && entry.reason == reason)
        .map(|entry| (entry.outcome, entry.delta))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_evidence_rescores_a_settled_bounty_once_per_milestone() {
    let summary = json!({
        "file_type": "pe", "verdict": "malicious", "score": 95,
        "analysed_at": chrono::Utc::now().to_rfc3339()
    });
    let stub = StubAnalysis::serve(BTreeMap::from([(FILE.to_owned(), summary)]), true);
    let url = stub.url.clone();
    let app = TestApp::spawn_with(true, |settings| {
        settings.analysis_url = url;
        settings.rejudge_interval = std::time::Duration::from_millis(200);
    })
    .await;
    let alice = app.member("alice", 0xa1).await;
    let bob = app.member("bob", 0xb2).await;
    let pair = (&alice, &bob);
    let at = now();
    // The later bounty first (so it is scored when the earlier one comes due): the same URL,
    // judged malicious 10 days ago.
    settle(
        &app,
        opened_url(2, 1, at - 10 * DAY),
        pair,
        Outcome::Malicious,
        at - 10 * DAY,
    )
    .await;
    // Bounty 1 on that URL was judged benign 31 days ago: due at 30 days, not at 90.
    settle(
        &app,
        opened_url(1, 1, at - 31 * DAY),
        pair,
        Outcome::Benign,
        at - 31 * DAY,
    )
    .await;
    // Bounty 3 on a file, judged benign 91 days ago; analysis now calls it malicious at 95.
    settle(
        &app,
        opened_file(3, FILE, at - 91 * DAY),
        pair,
        Outcome::Benign,
        at - 91 * DAY,
    )
    .await;

    let done = wait_for(|| async { checks(&app).await.len() >= 3 }).await;
    assert!(
        done,
        "the milestones were never checked: {:?}",
        checks(&app).await
    );
    // A few more passes: nothing is checked or re-scored twice.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(
        checks(&app).await,
        vec![
            (
                1,
                30,
                Some("malicious".to_owned()),
                "later_bounty 2".to_owned(),
                Some("malicious".to_owned())
            ),
            (
                3,
                30,
                Some("malicious".to_owned()),
                "analysis malicious 95".to_owned(),
                Some("malicious".to_owned())
            ),
            // At 90 days the truth is what the 30-day re-judgement already applied.
            (
                3,
                90,
                Some("malicious".to_owned()),
                "analysis malicious 95".to_owned(),
                None
            ),
        ]
    );
    for bounty in [1, 3] {
        let up = entries(&app, &alice, bounty, "Rejudged30d").await;
        assert_eq!(up.len(), 1, "bounty {bounty}: {up:?}");
        assert_eq!(up[0].0.as_deref(), Some("malicious"));
        assert!(up[0].1 > 0.0, "alice turned out right: {up:?}");
        let down = entries(&app, &bob, bounty, "Rejudged30d").await;
        assert_eq!(down.len(), 1, "bounty {bounty}: {down:?}");
        assert!(down[0].1 < 0.0, "bob turned out wrong: {down:?}");
        assert!(
            entries(&app, &alice, bounty, "Rejudged90d")
                .await
                .is_empty()
        );
    }
    // The later bounty is not 30 days old: not looked at.
    assert!(entries(&app, &alice, 2, "Rejudged30d").await.is_empty());
    // Alice is now right on all three.
    let view = app.reputation(&alice.id).await.expect("alice");
    assert_eq!((view.assertions, view.correct), (3, 3), "{view:?}");
    app.stop().await;
    stub.stop().await;
}
