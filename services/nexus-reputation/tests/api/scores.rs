//! Chain events in, scores, history and leaderboards out: applied once each, replays harmless,
//! a dispute's ruling re-scores with its reason, a retraction undoes, a flushed board comes back
//! identical, and scores keep moving while nexus-user is down.

use nexus_proto::chain::{Outcome, Verdict};
use nexus_proto::reputation::{HistoryQuery, Leaderboard, TrustLevel};
use nexus_testkit::nexus_client::CallContext;

use crate::helpers::{
    Member, TestApp, board_query, decided, history_page, now, opened, resolved, retraction,
    revealed, wait_for,
};

/// Alice says malicious at 90 %, Bob benign at 100 %, on bounty `id`; `outcome` wins.
async fn settle(app: &TestApp, id: u64, alice: &Member, bob: &Member, outcome: Outcome) -> i64 {
    let at = now() - 60;
    app.publish(&opened(id, at)).await;
    app.publish(&revealed(id, &alice.wallet, Verdict::Malicious, 90, at + 1))
        .await;
    app.publish(&revealed(id, &bob.wallet, Verdict::Benign, 100, at + 1))
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
    at
}

/// Waits until `member`'s history has `entries` entries.
async fn wait_history(app: &TestApp, member: &Member, entries: usize) {
    let reached = wait_for(|| async {
        app.history(&member.id, &history_page(Some(100), None))
            .await
            .entries
            .len()
            >= entries
    })
    .await;
    assert!(reached, "{}'s history never reached {entries}", member.id);
}

/// Waits (at most 20 s) until the all-time board ranks `count` accounts.
async fn wait_ranked(app: &TestApp, count: u64) -> Leaderboard {
    let mut board = app
        .board(&CallContext::none(), &board_query(None, None))
        .await;
    for _ in 0..400 {
        if board.total == count {
            return board;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        board = app
            .board(&CallContext::none(), &board_query(None, None))
            .await;
    }
    panic!("the board never ranked {count}: {board:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settled_bounty_scores_its_analysts_writes_history_and_ranks_them() {
    let app = TestApp::spawn_with_users().await;
    let alice = app.member("alice", 0xa1).await;
    let bob = app.member("bob", 0xb0).await;

    settle(&app, 7, &alice, &bob, Outcome::Malicious).await;
    wait_history(&app, &alice, 1).await;
    let board = wait_ranked(&app, 2).await;

    let reputation = app.reputation(&alice.id).await.expect("alice's reputation");
    assert_eq!((reputation.assertions, reputation.correct), (1, 1));
    assert!(reputation.score > 0.0, "{reputation:?}");
    assert_eq!(reputation.trust_level, TrustLevel::Newcomer);
    assert_eq!(reputation.wallets, vec![alice.wallet.clone()]);
    assert_eq!(reputation.by_file_type.len(), 1);
    assert_eq!(
        (
            reputation.by_file_type[0].key.as_str(),
            reputation.by_file_type[0].kind.as_deref()
        ),
        ("url", Some("url"))
    );
    let bobs = app.reputation(&bob.id).await.expect("bob's reputation");
    assert_eq!((bobs.assertions, bobs.correct), (1, 0));
    assert!(bobs.score < 0.0, "{bobs:?}");

    let history = app.history(&alice.id, &HistoryQuery::default()).await;
    assert_eq!(history.entries.len(), 1);
    let entry = &history.entries[0];
    assert_eq!(
        (
            entry.bounty_id,
            entry.reason.as_str(),
            entry.outcome.as_deref(),
            entry.analyst_outcome.as_deref()
        ),
        (7, "BountyResolved", Some("malicious"), Some("won"))
    );
    assert!((entry.delta - reputation.score).abs() < 1e-6, "{entry:?}");

    assert_eq!(board.entries[0].user_id, alice.id);
    assert_eq!(board.entries[1].user_id, bob.id);
    assert_eq!(board.entries[0].rank, 1);
    assert!(board.me.is_none(), "a guest has no rank");
    let as_bob = app
        .board(
            &app.context.as_user(&bob.id, &["user"]),
            &board_query(Some("week"), Some("url")),
        )
        .await;
    let me = as_bob.me.expect("bob is ranked");
    assert_eq!((me.rank, me.user_id.as_str()), (2, bob.id.as_str()));
    assert_eq!(as_bob.kind, "url");
    assert!(as_bob.starts_at.is_some());
    let pe = app
        .board(&CallContext::none(), &board_query(None, Some("pe")))
        .await;
    assert_eq!(pe.total, 0, "nothing was a PE file");

    // The changes were announced to each account (the gateway's user:{id} and leaderboard).
    let announced =
        wait_for(|| async { app.outbox_count("ReputationChanged", &alice.id).await >= 1 }).await;
    assert!(announced);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_the_stream_changes_nothing() {
    let app = TestApp::spawn_with_users().await;
    let alice = app.member("alice", 0xa2).await;
    let bob = app.member("bob", 0xb2).await;
    let at = now() - 60;
    let envelopes = (
        opened(9, at),
        revealed(9, &alice.wallet, Verdict::Malicious, 70, at + 1),
        resolved(
            9,
            Outcome::Malicious,
            &[
                (&alice.wallet, Verdict::Malicious),
                (&bob.wallet, Verdict::Benign),
            ],
            at + 2,
        ),
    );
    app.publish(&envelopes.0).await;
    app.publish(&envelopes.1).await;
    app.publish(&envelopes.2).await;
    app.wait_counted("applied", 3.0).await;
    wait_history(&app, &alice, 1).await;
    wait_ranked(&app, 2).await;
    let reputation = app.reputation(&alice.id).await.expect("reputation");
    let history = app.history(&alice.id, &HistoryQuery::default()).await;
    let board = app
        .board(&CallContext::none(), &board_query(None, None))
        .await;

    // The same envelopes again, twice: each is a duplicate.
    for _ in 0..2 {
        app.publish(&envelopes.0).await;
        app.publish(&envelopes.1).await;
        app.publish(&envelopes.2).await;
    }
    app.wait_counted("duplicate", 6.0).await;
    assert_eq!(app.counted("applied").await, 3.0);
    let mut again = app.reputation(&alice.id).await.expect("reputation");
    // The score is decayed to the moment of the read; everything else is unchanged.
    assert!((again.score - reputation.score).abs() < 1e-6);
    again.score = reputation.score;
    again.skill = reputation.skill;
    // So are the breakdown rows' (the exact comparison failed now and then on the last digit).
    for (rows, before) in [
        (&mut again.by_file_type, &reputation.by_file_type),
        (&mut again.by_family, &reputation.by_family),
    ] {
        assert_eq!(rows.len(), before.len());
        for (row, old) in rows.iter_mut().zip(before) {
            assert!((row.score - old.score).abs() < 1e-6, "{row:?} {old:?}");
            row.score = old.score;
            row.skill = old.skill;
        }
    }
    assert_eq!(again, reputation);
    assert_eq!(
        app.history(&alice.id, &HistoryQuery::default()).await,
        history
    );
    assert_eq!(
        app.board(&CallContext::none(), &board_query(None, None))
            .await,
        board
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_ruling_rescores_the_assertions_with_its_reason() {
    let app = TestApp::spawn_with_users().await;
    let alice = app.member("alice", 0xa3).await;
    let bob = app.member("bob", 0xb3).await;
    let at = settle(&app, 11, &alice, &bob, Outcome::Malicious).await;
    wait_history(&app, &alice, 1).await;
    let before = app.reputation(&alice.id).await.expect("reputation");
    assert!(before.score > 0.0);

    app.publish(&decided(
        11,
        Outcome::Benign,
        &[
            (&alice.wallet, Verdict::Malicious),
            (&bob.wallet, Verdict::Benign),
        ],
        at + 30,
    ))
    .await;
    wait_history(&app, &alice, 2).await;
    let after = app.reputation(&alice.id).await.expect("reputation");
    assert_eq!((after.assertions, after.correct), (1, 0));
    assert!(after.score < 0.0, "{after:?}");
    let latest = app
        .history(&alice.id, &history_page(Some(1), None))
        .await
        .entries[0]
        .clone();
    assert_eq!(
        (
            latest.reason.as_str(),
            latest.outcome.as_deref(),
            latest.analyst_outcome.as_deref()
        ),
        ("DisputeDecided", Some("benign"), Some("lost"))
    );
    assert!(latest.delta < 0.0);
    let ruled = wait_for(|| async {
        let board = app
            .board(&CallContext::none(), &board_query(None, None))
            .await;
        board.entries.first().map(|entry| entry.user_id.clone()) == Some(bob.id.clone())
    })
    .await;
    assert!(ruled, "bob leads after the ruling");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorganisation_retraction_undoes_the_settlement() {
    let app = TestApp::spawn_with_users().await;
    let alice = app.member("alice", 0xa4).await;
    let bob = app.member("bob", 0xb4).await;
    let at = now() - 60;
    let resolution = resolved(
        13,
        Outcome::Malicious,
        &[
            (&alice.wallet, Verdict::Malicious),
            (&bob.wallet, Verdict::Benign),
        ],
        at + 2,
    );
    app.publish(&opened(13, at)).await;
    app.publish(&resolution).await;
    wait_history(&app, &alice, 1).await;
    wait_ranked(&app, 2).await;

    app.publish(&retraction(&[(resolution.id, "BountyResolved", at + 2)]))
        .await;
    app.wait_counted("retracted", 1.0).await;
    let undone = app.reputation(&alice.id).await.expect("reputation");
    assert_eq!((undone.assertions, undone.correct), (0, 0));
    assert!(undone.score.abs() < 1e-12, "{undone:?}");
    let history = app.history(&alice.id, &HistoryQuery::default()).await;
    assert_eq!(history.entries.len(), 2);
    assert_eq!(history.entries[0].reason, "ChainEventsRetracted");
    assert_eq!(history.entries[0].outcome, None);
    // Equal and opposite, but for the seconds of decay between the two.
    assert!((history.entries[0].delta + history.entries[1].delta).abs() < 1e-6);
    wait_ranked(&app, 0).await;

    // The new branch's resolution (another envelope) settles it again.
    app.publish(&resolved(
        13,
        Outcome::Malicious,
        &[
            (&alice.wallet, Verdict::Malicious),
            (&bob.wallet, Verdict::Benign),
        ],
        at + 3,
    ))
    .await;
    wait_history(&app, &alice, 3).await;
    assert_eq!(
        app.reputation(&alice.id).await.expect("reputation").correct,
        1
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flushed_leaderboard_comes_back_identical() {
    let app = TestApp::spawn_with_users().await;
    let alice = app.member("alice", 0xa5).await;
    let bob = app.member("bob", 0xb5).await;
    let carol = app.member("carol", 0xc5).await;
    settle(&app, 21, &alice, &bob, Outcome::Malicious).await;
    settle(&app, 22, &carol, &bob, Outcome::Benign).await;
    wait_history(&app, &bob, 2).await;
    wait_ranked(&app, 3).await;
    let queries = [
        board_query(None, None),
        board_query(Some("week"), None),
        board_query(Some("month"), Some("url")),
        board_query(None, Some("other")),
    ];
    let as_carol = app.context.as_user(&carol.id, &["user"]);
    let mut before = Vec::new();
    for query in &queries {
        before.push(app.board(&as_carol, query).await);
    }

    assert!(app.flush_boards().await > 0, "there were boards to flush");
    // The worker rebuilds a lost board before anyone asks for it...
    let rebuilt = wait_for(|| async { app.board_built("leaderboard:all:all:all").await }).await;
    assert!(rebuilt, "the worker rebuilt the all-time board");
    // ...and a read of a board still missing rebuilds it first: identical either way.
    app.flush_boards().await;
    for (query, board) in queries.iter().zip(&before) {
        assert_eq!(&app.board(&as_carol, query).await, board, "{query:?}");
    }
    assert_eq!(before[0].total, 3);
    assert!(before[0].me.is_some());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_pages_follow_their_cursor() {
    let app = TestApp::spawn_with_users().await;
    let alice = app.member("alice", 0xa6).await;
    let bob = app.member("bob", 0xb6).await;
    for id in 31..34 {
        settle(&app, id, &alice, &bob, Outcome::Malicious).await;
    }
    wait_history(&app, &alice, 3).await;
    let first = app.history(&alice.id, &history_page(Some(2), None)).await;
    assert_eq!(first.entries.len(), 2);
    let cursor = first.next_cursor.clone().expect("a next page");
    let second = app
        .history(&alice.id, &history_page(Some(2), Some(cursor)))
        .await;
    assert_eq!(second.entries.len(), 1);
    assert_eq!(second.next_cursor, None);
    assert!(second.entries[0].id < first.entries[1].id);
    let bounties: Vec<u64> = first
        .entries
        .iter()
        .chain(&second.entries)
        .map(|entry| entry.bounty_id)
        .collect();
    assert_eq!(bounties, vec![33, 32, 31]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_keep_moving_while_nexus_user_is_down() {
    // nexus-user's address answers nothing: the consumer must not wait for it.
    let app = TestApp::spawn().await;
    let analyst = format!("0x{}", "d7".repeat(20));
    let other = format!("0x{}", "e7".repeat(20));
    let at = now() - 60;
    app.publish(&opened(41, at)).await;
    app.publish(&resolved(
        41,
        Outcome::Malicious,
        &[(&analyst, Verdict::Malicious), (&other, Verdict::Benign)],
        at + 2,
    ))
    .await;
    app.wait_counted("applied", 2.0).await;
    let pool = &app.context.database.pool;
    let score: f64 = sqlx::query_scalar("SELECT score FROM reputation.analysts WHERE analyst = $1")
        .bind(&analyst)
        .fetch_one(pool)
        .await
        .expect("scored");
    assert!(score > 0.0);
    let asked = wait_for(|| async {
        sqlx::query_scalar::<_, i32>(
            "SELECT owner_attempts FROM reputation.analysts WHERE analyst = $1 AND user_id IS NULL",
        )
        .bind(&analyst)
        .fetch_one(pool)
        .await
        .unwrap_or(0)
            > 0
    })
    .await;
    assert!(asked, "the wallet-owners worker asked and will ask again");
    // No account is known yet, so the board is empty.
    assert_eq!(
        app.board(&CallContext::none(), &board_query(None, None))
            .await
            .total,
        0
    );
    app.stop().await;
}
