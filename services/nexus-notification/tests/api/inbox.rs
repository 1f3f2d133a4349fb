//! The inbox: cursor pages, the unread filter and count, read marks, and another user refused.

use nexus_proto::report::VerdictHint;
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::helpers::{TestApp, analysis, sha};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_pages_newest_first_and_counts_and_marks_what_is_unread() {
    let app = TestApp::spawn().await;
    let alice = Uuid::now_v7();
    for n in 0..25u8 {
        app.publish(&analysis(alice, &sha(n), VerdictHint::Benign))
            .await;
    }
    crate::helpers::wait_until("25 notices", || async {
        (app.inbox(alice).await.len() == 25).then_some(())
    })
    .await;

    // Pages of 10: 10, 10, 5, newest first, each notice once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for expected in [10, 10, 5] {
        let path = match &cursor {
            Some(cursor) => format!("/v1/notifications?limit=10&cursor={cursor}"),
            None => "/v1/notifications?limit=10".to_owned(),
        };
        let (status, page) = app.get(&path, alice).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let notices = page["notices"].as_array().unwrap();
        assert_eq!(notices.len(), expected);
        seen.extend(notices.iter().map(|n| n["id"].as_str().unwrap().to_owned()));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    assert!(cursor.is_none(), "the last page has no cursor");
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted, seen, "newest first, no notice twice");

    // Read one: 24 unread, the unread filter leaves it out, reading again keeps the first time.
    let (status, read) = app
        .post(&format!("/v1/notifications/{}/read", seen[3]), alice)
        .await;
    assert_eq!(status, StatusCode::OK, "{read}");
    assert!(read["read_at"].is_string());
    let (_, again) = app
        .post(&format!("/v1/notifications/{}/read", seen[3]), alice)
        .await;
    assert_eq!(again["read_at"], read["read_at"]);
    let (_, count) = app.get("/v1/notifications/unread-count", alice).await;
    assert_eq!(count["unread"], 24);
    let (_, unread) = app
        .get("/v1/notifications?unread=true&limit=100", alice)
        .await;
    let unread = unread["notices"].as_array().unwrap();
    assert_eq!(unread.len(), 24);
    assert!(unread.iter().all(|n| n["id"] != seen[3].as_str()));

    let (status, marked) = app.post("/v1/notifications/read-all", alice).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(marked["marked"], 24);
    let (_, count) = app.get("/v1/notifications/unread-count", alice).await;
    assert_eq!(count["unread"], 0);

    // Bad input.
    let (status, body) = app.get("/v1/notifications?limit=0", alice).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_query"))
    );
    let (status, body) = app.get("/v1/notifications?cursor=nonsense", alice).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_cursor"))
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_user_can_neither_see_nor_mark_someone_elses_notice() {
    let app = TestApp::spawn().await;
    let (alice, mallory) = (Uuid::now_v7(), Uuid::now_v7());
    app.publish(&analysis(alice, &sha(1), VerdictHint::Malicious))
        .await;
    let notice = app.wait_for(alice, |_| true).await;
    let id = notice["id"].as_str().unwrap();

    assert!(app.inbox(mallory).await.is_empty());
    let (status, body) = app
        .post(&format!("/v1/notifications/{id}/read"), mallory)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "notification_not_found");
    // Mallory's read-all does not touch Alice's inbox.
    let (_, marked) = app.post("/v1/notifications/read-all", mallory).await;
    assert_eq!(marked["marked"], 0);
    let (_, count) = app.get("/v1/notifications/unread-count", alice).await;
    assert_eq!(count["unread"], 1);
    // An administrator is refused too: inboxes are private.
    let admin = app
        .context
        .access_token(&Uuid::now_v7().to_string(), &["user", "admin"]);
    let response = reqwest::Client::new()
        .post(app.url(&format!("/v1/notifications/{id}/read")))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Guests are asked to sign in.
    let (status, body) = app.call(Method::GET, "/v1/notifications", None, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthenticated"))
    );
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/v1/notifications/{id}/read"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.stop().await;
}
