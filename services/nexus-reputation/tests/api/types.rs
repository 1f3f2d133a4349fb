//! File types and families in scoring: a file bounty's analysts are scored under the type and
//! family nexus-analysis reports for the file (the `file-types` worker asks it), so a PE bounty
//! lands on the `pe` board and in the analyst's per-type and per-family breakdowns. While
//! analysis is down the settlement waits, unscored (never filed under `other`), and is scored
//! once analysis answers; a file analysis does not hold is `other`.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use nexus_proto::Envelope;
use nexus_proto::chain::{ArtifactKind, BountyOpened, Outcome, Verdict};
use nexus_testkit::nexus_client::CallContext;
use serde_json::json;

use crate::analysis_stub::StubAnalysis;
use crate::helpers::{
    Member, NXS, TestApp, board_query, history_page, log, now, resolved, revealed, wait_for,
};

/// A PE the stand-in analysis knows, with a family tag.
const PE: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
/// A file the stand-in analysis does not hold.
const UNKNOWN: &str = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

/// `BountyOpened` of bounty `id` on the file `sha256`.
pub fn opened_file(id: u64, sha256: &str, at: i64) -> Envelope<BountyOpened> {
    Envelope::new(BountyOpened {
        log: log(at, 0),
        bounty_id: id,
        creator: format!("0x{}", "cc".repeat(20)),
        artifact_kind: ArtifactKind::File,
        artifact_hash: format!("0x{sha256}"),
        reward: NXS.to_string(),
        min_stake: "1".into(),
        assertion_deadline: 1,
        reveal_deadline: 2,
    })
}

/// Alice malicious at 90 %, Bob benign at 80 %, on bounty `id` on `sha256`; malicious wins.
async fn settle_file(app: &TestApp, id: u64, sha256: &str, alice: &Member, bob: &Member) {
    let at = now() - 60;
    app.publish(&opened_file(id, sha256, at)).await;
    app.publish(&revealed(id, &alice.wallet, Verdict::Malicious, 90, at + 1))
        .await;
    app.publish(&revealed(id, &bob.wallet, Verdict::Benign, 80, at + 1))
        .await;
    app.publish(&resolved(
        id,
        Outcome::Malicious,
        &[
            (&alice.wallet, Verdict::Malicious),
            (&bob.wallet, Verdict::Benign),
        ],
        at + 2,
    ))
    .await;
}

async fn scored(app: &TestApp, bounty_id: i64) -> Vec<(String, String, Option<String>)> {
    sqlx::query_as::<_, (String, String, Option<String>)>(
        "SELECT analyst, file_type, family FROM reputation.assertions WHERE bounty_id = $1 \
         ORDER BY analyst",
    )
    .bind(bounty_id)
    .fetch_all(&app.context.database.pool)
    .await
    .expect("assertions")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pe_bounty_waits_for_analysis_then_lands_on_the_pe_board_and_breakdowns() {
    let summary = json!({
        "file_type": "pe", "verdict": "malicious", "score": 90, "family": "Atomic Stealer"
    });
    let stub = StubAnalysis::serve(BTreeMap::from([(PE.to_owned(), summary)]), false);
    let url = stub.url.clone();
    let app = TestApp::spawn_with(true, |settings| settings.analysis_url = url).await;
    let alice = app.member("alice", 0xa1).await;
    let bob = app.member("bob", 0xb2).await;

    settle_file(&app, 1, PE, &alice, &bob).await;
    app.wait_counted("applied", 4.0).await;
    // Analysis is down: asked (and failing), the settlement is stored but not scored.
    let pending = || async {
        sqlx::query_as::<_, (Option<String>, Option<String>)>(
            "SELECT file_type, last_error FROM reputation.file_types WHERE bounty_id = 1",
        )
        .fetch_optional(&app.context.database.pool)
        .await
        .expect("the pending type")
    };
    let noted = wait_for(|| async { pending().await.is_some_and(|row| row.1.is_some()) }).await;
    assert!(
        noted,
        "the failed ask was never noted: {:?}",
        pending().await
    );
    assert!(stub.asks.load(Ordering::SeqCst) >= 1);
    assert_eq!(
        pending().await.and_then(|row| row.0),
        None,
        "typed while down"
    );
    assert!(
        scored(&app, 1).await.is_empty(),
        "scored before its type was known"
    );

    // Analysis comes back: the bounty is scored as a PE of the atomic-stealer family.
    stub.down.store(false, Ordering::SeqCst);
    let typed = wait_for(|| async { scored(&app, 1).await.len() == 2 }).await;
    assert!(typed, "never scored after analysis came back");
    for (_, file_type, family) in scored(&app, 1).await {
        assert_eq!(
            (file_type.as_str(), family.as_deref()),
            ("pe", Some("atomic-stealer"))
        );
    }

    // A file analysis does not hold is `other`, explicitly.
    settle_file(&app, 2, UNKNOWN, &alice, &bob).await;
    let other = wait_for(|| async { scored(&app, 2).await.len() == 2 }).await;
    assert!(other, "the unknown file was never scored");
    assert!(
        scored(&app, 2)
            .await
            .iter()
            .all(|(_, file_type, family)| file_type == "other" && family.is_none())
    );
    let source: String =
        sqlx::query_scalar("SELECT source FROM reputation.file_types WHERE bounty_id = 2")
            .fetch_one(&app.context.database.pool)
            .await
            .expect("source");
    assert_eq!(source, "unknown_to_analysis");

    // Alice's breakdowns: one right PE assertion, one right `other`, and the family.
    let ranked = wait_for(|| async {
        app.reputation(&alice.id)
            .await
            .is_ok_and(|view| view.assertions == 2)
    })
    .await;
    assert!(ranked, "alice's reputation never showed both bounties");
    let view = app.reputation(&alice.id).await.expect("alice");
    let pe = view
        .by_file_type
        .iter()
        .find(|row| row.key == "pe")
        .unwrap_or_else(|| panic!("no pe row: {view:?}"));
    assert_eq!(
        (pe.kind.as_deref(), pe.assertions, pe.correct),
        (Some("file"), 1, 1)
    );
    assert!(pe.score > 0.0, "{pe:?}");
    assert!(view.by_file_type.iter().any(|row| row.key == "other"));
    let family = view
        .by_family
        .iter()
        .find(|row| row.key == "atomic-stealer")
        .unwrap_or_else(|| panic!("no family row: {view:?}"));
    assert_eq!((family.assertions, family.correct), (1, 1));
    // The history carries the settlement's reason, not a made-up one.
    let history = app.history(&alice.id, &history_page(Some(10), None)).await;
    assert!(
        history
            .entries
            .iter()
            .any(|entry| entry.bounty_id == 1 && entry.reason == "BountyResolved"),
        "{history:?}"
    );

    // The `pe` board ranks Alice first (Bob was wrong) with her PE points only.
    let on_board = wait_for(|| async {
        let board = app
            .board(&CallContext::none(), &board_query(None, Some("pe")))
            .await;
        board
            .entries
            .first()
            .is_some_and(|entry| entry.user_id == alice.id)
    })
    .await;
    assert!(on_board, "alice never topped the pe board");
    let board = app
        .board(&CallContext::none(), &board_query(None, Some("pe")))
        .await;
    assert_eq!(board.kind, "pe");
    // The board sums undecayed points, the view decays them over the minute since settlement.
    assert!(
        (board.entries[0].score - pe.score).abs() < 1e-3,
        "{board:?}"
    );
    app.stop().await;
    stub.stop().await;
}
