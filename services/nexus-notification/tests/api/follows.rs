//! Following files and the verdict-changed notices: old and new verdict and why, to every
//! follower and nobody else, once per change.

use nexus_proto::bounty::BountyStatus;
use nexus_proto::report::VerdictHint;
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, analysis, bounty_update, sha, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_follower_learns_old_and_new_verdict_when_it_changes() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, uploader) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let file = sha(0xab);
    for user in [alice, bob] {
        let (status, follow) = app.post(&format!("/v1/files/{file}/follow"), user).await;
        assert_eq!(status, StatusCode::OK, "{follow}");
        assert_eq!(follow["via"], "explicit");
    }
    let (status, _) = app.get(&format!("/v1/files/{file}/follow"), carol).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app.post("/v1/files/not-a-hash/follow", alice).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_sha256"))
    );
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/files/{file}/follow"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // The first verdict is no change; the uploader is told their analysis finished.
    app.publish(&analysis(uploader, &file, VerdictHint::Benign))
        .await;
    app.wait_for(uploader, |n| n["kind"] == "analysis.completed")
        .await;
    let (_, follow) = app.get(&format!("/v1/files/{file}/follow"), alice).await;
    assert_eq!(follow["verdict"], "benign");
    assert!(app.inbox(alice).await.is_empty());

    // Newer rules call it malicious: both followers told, Carol not.
    app.publish(&analysis(uploader, &file, VerdictHint::Malicious))
        .await;
    for user in [alice, bob] {
        let notice = app
            .wait_for(user, |n| n["kind"] == "file.verdict_changed")
            .await;
        assert_eq!(notice["data"]["old_verdict"], "benign");
        assert_eq!(notice["data"]["new_verdict"], "malicious");
        assert_eq!(notice["data"]["source"], "analysis");
        assert!(notice["body"].as_str().unwrap().contains("rules 2026.12.1"));
    }
    assert!(app.inbox(carol).await.is_empty());

    // The same verdict again changes nothing; a resolved bounty saying benign is a change back.
    app.publish(&analysis(uploader, &file, VerdictHint::Malicious))
        .await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/files/{file}/follow"),
            Some(bob),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.publish(&bounty_update(
        carol,
        &file,
        "BountyResolved",
        (BountyStatus::Resolving, BountyStatus::Resolved),
        Some("benign"),
    ))
    .await;
    let back = app
        .wait_for(alice, |n| {
            n["kind"] == "file.verdict_changed" && n["data"]["source"] == "bounty"
        })
        .await;
    assert_eq!(back["data"]["old_verdict"], "malicious");
    assert_eq!(back["data"]["new_verdict"], "benign");
    let changes = |notices: Vec<serde_json::Value>| {
        notices
            .into_iter()
            .filter(|n| n["kind"] == "file.verdict_changed")
            .count()
    };
    // Alice: two changes (the repeated malicious made none). The bounty's creator (Carol) was
    // told it resolved; Bob, who stopped following, got only the first change.
    wait_until("the creator's notice", || async {
        app.inbox(carol)
            .await
            .into_iter()
            .find(|n| n["kind"] == "bounty.resolved")
    })
    .await;
    assert_eq!(changes(app.inbox(alice).await), 2);
    assert_eq!(changes(app.inbox(bob).await), 1);

    // Every notice was announced for the WebSocket (`user:{id}` relays `NoticeCreated`).
    let announced = app.announced().await;
    let for_alice: Vec<_> = announced
        .iter()
        .filter(|e| e["payload"]["user_id"] == json!(alice.to_string()))
        .collect();
    assert_eq!(for_alice.len(), 2);
    let event: nexus_proto::Envelope<nexus_proto::notification::NoticeCreated> =
        serde_json::from_value(for_alice[0].clone()).expect("a NoticeCreated envelope");
    assert_eq!(event.payload.notice.kind, "file.verdict_changed");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_uploads_follows_each_uploaded_file() {
    let app = TestApp::spawn().await;
    let (alice, other) = (Uuid::now_v7(), Uuid::now_v7());
    let (status, _) = app
        .put(
            "/v1/notifications/preferences",
            alice,
            json!({"follow_uploads": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let file = sha(0x42);
    app.publish(&analysis(alice, &file, VerdictHint::Suspicious))
        .await;
    app.wait_for(alice, |n| n["kind"] == "analysis.completed")
        .await;
    let (status, follow) = app.get(&format!("/v1/files/{file}/follow"), alice).await;
    assert_eq!(status, StatusCode::OK, "{follow}");
    assert_eq!(follow["via"], "upload");
    app.publish(&analysis(other, &file, VerdictHint::Malicious))
        .await;
    let notice = app
        .wait_for(alice, |n| n["kind"] == "file.verdict_changed")
        .await;
    assert_eq!(notice["data"]["old_verdict"], "suspicious");
    app.stop().await;
}
