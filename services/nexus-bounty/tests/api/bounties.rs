//! Reading bounties: one by id and the filtered, sorted, paginated list, each decided by the
//! policies (guests and other users see public bounties only).

use nexus_proto::bounty::{ArtifactKind, BountyQuery, BountySort, BountyStatus};
use nexus_testkit::nexus_client::CallContext;
use nexus_testkit::nexus_client::error::ClientError;
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{TestApp, create_call, new_bounty};

const ALICE: &str = "0190a0a0-0000-7000-8000-00000000a11c";
const BOB: &str = "0190a0a0-0000-7000-8000-000000000b0b";

fn api_code(error: &ClientError) -> Option<&str> {
    match error {
        ClientError::Api { body, .. } => Some(body.code.as_str()),
        _ => None,
    }
}

async fn error_code(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = reqwest::get(app.url(path)).await.expect("request");
    let status = response.status();
    let body: Value = response.json().await.expect("json");
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_bounty_is_read_by_its_creator_and_analysts_and_is_404_to_anyone_else() {
    let app = TestApp::spawn().await;
    let store = app.store();
    let (public, created) = store
        .create_bounty(&new_bounty(ALICE, 10, 2, true), create_call())
        .await
        .unwrap();
    assert!(created);
    let (private, _) = store
        .create_bounty(&new_bounty(ALICE, 20, 2, false), create_call())
        .await
        .unwrap();
    let bounties = app.service.client.bounties();

    let guest = CallContext::default();
    let view = bounties
        .get(&guest, public)
        .await
        .expect("a guest reads a public bounty");
    assert_eq!(view.status, BountyStatus::Pending);
    assert_eq!(view.artifact.kind, ArtifactKind::File);
    assert_eq!(view.reward, "10");
    assert_eq!(view.creator, ALICE);
    assert_eq!(view.chain_bounty_id, None);

    let owner = bounties
        .get(&app.as_user(ALICE, &["user"]), private)
        .await
        .unwrap();
    assert_eq!(owner.id, private);
    assert!(!owner.is_public);
    bounties
        .get(&app.as_user(BOB, &["analyst"]), private)
        .await
        .expect("analysts read private bounties");
    for context in [guest, app.as_user(BOB, &["user"])] {
        let refused = bounties.get(&context, private).await.expect_err("hidden");
        assert_eq!(refused.status(), Some(StatusCode::NOT_FOUND), "{refused:?}");
        assert_eq!(api_code(&refused), Some("bounty_not_found"));
    }
    let missing = bounties
        .get(&CallContext::default(), Uuid::now_v7())
        .await
        .unwrap_err();
    assert_eq!(api_code(&missing), Some("bounty_not_found"));
    assert_eq!(
        error_code(&app, "/v1/bounties/not-a-uuid").await,
        (StatusCode::BAD_REQUEST, "invalid_path_parameter".to_owned())
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounty_and_its_creation_call_are_queued_together_once_per_signed_intent() {
    let app = TestApp::spawn().await;
    let store = app.store();
    let new = new_bounty(ALICE, 10, 2, true);
    let (first, created) = store.create_bounty(&new, create_call()).await.unwrap();
    assert!(created);
    let again = store.create_bounty(&new, create_call()).await.unwrap();
    assert_eq!(again, (first, false));
    // The bounty and its creation call were written together, once.
    let jobs = store.bounty_transactions(first).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        (jobs[0].kind.as_str(), jobs[0].status.as_str()),
        ("create_bounty", "queued")
    );
    let page = app
        .service
        .client
        .bounties()
        .list(&CallContext::default(), &BountyQuery::default())
        .await
        .unwrap();
    assert_eq!(page.bounties.len(), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_filters_sorts_and_pages_without_skipping_or_repeating() {
    let app = TestApp::spawn().await;
    let store = app.store();
    let mut ids = Vec::new();
    for (index, reward) in [50u128, 10, 40, 30, 20].into_iter().enumerate() {
        let creator = if index % 2 == 0 { ALICE } else { BOB };
        let (id, _) = store
            .create_bounty(
                &new_bounty(creator, reward, 5 - index as i64, true),
                create_call(),
            )
            .await
            .unwrap();
        ids.push(id);
    }
    let (hidden, _) = store
        .create_bounty(&new_bounty(BOB, 1_000, 3, false), create_call())
        .await
        .unwrap();
    let bounties = app.service.client.bounties();
    let guest = CallContext::default();

    // Highest reward first, two per page, through every page.
    let mut rewards = Vec::new();
    let mut query = BountyQuery {
        sort: Some(BountySort::Reward),
        limit: Some(2),
        ..BountyQuery::default()
    };
    loop {
        let page = bounties.list(&guest, &query).await.unwrap();
        rewards.extend(page.bounties.iter().map(|bounty| bounty.reward.clone()));
        assert!(page.bounties.iter().all(|bounty| bounty.id != hidden));
        match page.next_cursor {
            Some(cursor) => query.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(rewards, ["50", "40", "30", "20", "10"]);

    // The creator sees their private bounty in the same list; nearest deadline first.
    let bob = app.as_user(BOB, &["user"]);
    let by_deadline = BountyQuery {
        sort: Some(BountySort::Deadline),
        creator: Some(BOB.to_owned()),
        ..BountyQuery::default()
    };
    let page = bounties.list(&bob, &by_deadline).await.unwrap();
    let listed: Vec<Uuid> = page.bounties.iter().map(|bounty| bounty.id).collect();
    assert_eq!(listed, [ids[3], hidden, ids[1]]);

    // Newest first, and the artifact and status filters.
    let newest = bounties
        .list(&guest, &BountyQuery::default())
        .await
        .unwrap();
    let listed: Vec<Uuid> = newest.bounties.iter().map(|bounty| bounty.id).collect();
    assert_eq!(listed, [ids[4], ids[3], ids[2], ids[1], ids[0]]);
    let one = bounties
        .list(
            &guest,
            &BountyQuery {
                artifact_hash: Some(newest.bounties[2].artifact.hash.clone()),
                ..BountyQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(one.bounties.len(), 1);
    assert_eq!(one.bounties[0].id, ids[2]);
    let open = BountyQuery {
        status: Some(BountyStatus::Open),
        ..BountyQuery::default()
    };
    assert!(
        bounties
            .list(&guest, &open)
            .await
            .unwrap()
            .bounties
            .is_empty()
    );

    // Malformed input is refused with its own code.
    for (path, code) in [
        ("/v1/bounties?limit=0", "invalid_filter"),
        ("/v1/bounties?limit=101", "invalid_filter"),
        ("/v1/bounties?artifact_hash=xyz", "invalid_filter"),
        ("/v1/bounties?cursor=garbage", "invalid_cursor"),
        (
            "/v1/bounties?sort=reward&cursor=newest:0190a0a0-0000-7000-8000-000000000000",
            "invalid_cursor",
        ),
        ("/v1/bounties?status=nonsense", "invalid_query"),
    ] {
        assert_eq!(
            error_code(&app, path).await,
            (StatusCode::BAD_REQUEST, code.to_owned()),
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_lists_its_own_bounties_private_ones_included_and_a_guest_is_refused() {
    let app = TestApp::spawn().await;
    let store = app.store();
    let (public, _) = store
        .create_bounty(&new_bounty(ALICE, 10, 2, true), create_call())
        .await
        .unwrap();
    let (private, _) = store
        .create_bounty(&new_bounty(ALICE, 20, 2, false), create_call())
        .await
        .unwrap();
    store
        .create_bounty(&new_bounty(BOB, 30, 2, true), create_call())
        .await
        .unwrap();
    let bounties = app.service.client.bounties();

    let mine = bounties
        .list_mine(&app.as_user(ALICE, &["user"]), &BountyQuery::default())
        .await
        .unwrap();
    let listed: Vec<Uuid> = mine.bounties.iter().map(|bounty| bounty.id).collect();
    assert_eq!(listed, [private, public]);
    // Asking for someone else's changes nothing: the creator is always the caller.
    let other = BountyQuery {
        creator: Some(BOB.to_owned()),
        ..BountyQuery::default()
    };
    let still_mine = bounties
        .list_mine(&app.as_user(ALICE, &["user"]), &other)
        .await
        .unwrap();
    assert_eq!(still_mine.bounties.len(), 2);

    let refused = bounties
        .list_mine(&CallContext::default(), &BountyQuery::default())
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(api_code(&refused), Some("unauthenticated"));
    app.stop().await;
}
