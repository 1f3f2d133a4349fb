//! Comments on bounties through the real HTTP API, on real PostgreSQL and Redis: who may post,
//! read and delete, the text rules, the rate limit, pagination, and the events written with
//! each change.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, create_call, new_bounty};

const ALICE: &str = "0190a0a0-0000-7000-8000-00000000a11c";
const BOB: &str = "0190a0a0-0000-7000-8000-000000000b0b";
const CAROL: &str = "0190a0a0-0000-7000-8000-00000000ca01";
const ADMIN: &str = "0190a0a0-0000-7000-8000-0000000ad000";

/// `method path` as `who` (`None`: a guest): the status, the JSON answer and the headers.
async fn call(
    app: &TestApp,
    who: Option<(&str, &[&str])>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = reqwest::Client::new().request(method, app.url(path));
    if let Some((subject, roles)) = who {
        request = request.bearer_auth(app.context.access_token(subject, roles));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, json, headers)
}

/// How many events named `name` about comment `comment` the outbox holds.
async fn outbox_events(app: &TestApp, name: &str, comment: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(
        "SELECT count(*) FROM bounty.outbox WHERE envelope->>'name' = $1 \
         AND (envelope->'payload'->'comment'->>'id' = $2 \
              OR envelope->'payload'->>'comment_id' = $2)",
    )
    .bind(name)
    .bind(comment)
    .fetch_one(&app.context.database.pool)
    .await
    .unwrap()
}

async fn seeded(app: &TestApp, creator: &str, is_public: bool) -> Uuid {
    app.store()
        .create_bounty(&new_bounty(creator, 10, 1, is_public), create_call())
        .await
        .unwrap()
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_are_posted_trimmed_listed_oldest_first_and_announced_with_the_change() {
    let app = TestApp::spawn().await;
    let bounty = seeded(&app, ALICE, true).await;
    let path = format!("/v1/bounties/{bounty}/comments");
    let user: &[&str] = &["user"];

    let (status, posted, _) = call(
        &app,
        Some((BOB, user)),
        Method::POST,
        &path,
        Some(json!({"body": "  <script>alert(1)</script> looks **packed**\n "})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{posted}");
    assert_eq!(
        posted["body"], "<script>alert(1)</script> looks **packed**",
        "kept as plain text, trimmed"
    );
    assert_eq!(posted["author"], BOB);
    let first = posted["id"].as_str().unwrap().to_owned();
    assert_eq!(outbox_events(&app, "CommentPosted", &first).await, 1);
    let event: Value = sqlx::query_scalar(
        "SELECT envelope->'payload' FROM bounty.outbox WHERE envelope->>'name' = 'CommentPosted'",
    )
    .fetch_one(&app.context.database.pool)
    .await
    .unwrap();
    assert_eq!(event["bounty_id"], bounty.to_string());
    assert_eq!(event["is_public"], true);

    for text in ["second", "third"] {
        let (status, _, _) = call(
            &app,
            Some((ALICE, user)),
            Method::POST,
            &path,
            Some(json!({ "body": text })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }

    // Guests read a public bounty's comments, two at a time, oldest first.
    let (status, page, _) = call(&app, None, Method::GET, &format!("{path}?limit=2"), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let bodies: Vec<&str> = page["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|comment| comment["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies[1], "second");
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest, _) = call(
        &app,
        None,
        Method::GET,
        &format!("{path}?limit=2&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(rest["comments"][0]["body"], "third");
    assert_eq!(rest["comments"].as_array().unwrap().len(), 1);
    assert!(rest.get("next_cursor").is_none());

    let (status, bad, _) = call(
        &app,
        None,
        Method::GET,
        &format!("{path}?cursor=newest:{first}"),
        None,
    )
    .await;
    assert_eq!(
        (status, bad["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_cursor"))
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_text_guests_and_unreadable_bounties_are_refused() {
    let app = TestApp::spawn().await;
    let public = seeded(&app, ALICE, true).await;
    let private = seeded(&app, ALICE, false).await;
    let user: &[&str] = &["user"];
    let path = format!("/v1/bounties/{public}/comments");
    for (body, code) in [
        (json!({"body": "   "}), "invalid_comment"),
        (json!({"body": "x".repeat(2_001)}), "invalid_comment"),
        (json!({"body": "bell\u{7}"}), "invalid_comment"),
        (json!({"body": "a\u{202E}b"}), "invalid_comment"),
    ] {
        let (status, answer, _) =
            call(&app, Some((BOB, user)), Method::POST, &path, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["code"], code, "{answer}");
    }
    // Strict bodies: an unknown field (say, a markup switch) is refused.
    let (status, answer, _) = call(
        &app,
        Some((BOB, user)),
        Method::POST,
        &path,
        Some(json!({"body": "hi", "markdown": true})),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("invalid_request_body")
        )
    );
    let (status, _, _) = call(
        &app,
        None,
        Method::POST,
        &path,
        Some(json!({"body": "hello"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Someone else's private bounty is not there for a user; an analyst may comment on it.
    let private_path = format!("/v1/bounties/{private}/comments");
    let (status, answer, _) = call(
        &app,
        Some((BOB, user)),
        Method::POST,
        &private_path,
        Some(json!({"body": "hello"})),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("bounty_not_found"))
    );
    let (status, _, _) = call(&app, None, Method::GET, &private_path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call(
        &app,
        Some((CAROL, &["user", "analyst"])),
        Method::POST,
        &private_path,
        Some(json!({"body": "I looked at it"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, _) = call(
        &app,
        Some((BOB, user)),
        Method::GET,
        &format!("/v1/bounties/{}/comments", Uuid::now_v7()),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sixth_comment_within_a_minute_is_429_with_retry_after() {
    let app = TestApp::spawn().await;
    let bounty = seeded(&app, ALICE, true).await;
    let path = format!("/v1/bounties/{bounty}/comments");
    let user: &[&str] = &["user"];
    for index in 0..5 {
        let (status, answer, _) = call(
            &app,
            Some((BOB, user)),
            Method::POST,
            &path,
            Some(json!({ "body": format!("comment {index}") })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
    let (status, answer, headers) = call(
        &app,
        Some((BOB, user)),
        Method::POST,
        &path,
        Some(json!({"body": "one too many"})),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{answer}");
    assert_eq!(answer["code"], "comments_rate_limited");
    let wait: u32 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another account is counted apart.
    let (status, _, _) = call(
        &app,
        Some((ALICE, user)),
        Method::POST,
        &path,
        Some(json!({"body": "mine"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, page, _) = call(&app, None, Method::GET, &path, None).await;
    assert_eq!(page["comments"].as_array().unwrap().len(), 6);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_delete_comments_and_the_deletion_is_announced() {
    let app = TestApp::spawn().await;
    let bounty = seeded(&app, ALICE, true).await;
    let path = format!("/v1/bounties/{bounty}/comments");
    let (_, posted, _) = call(
        &app,
        Some((BOB, &["user"])),
        Method::POST,
        &path,
        Some(json!({"body": "spam spam spam"})),
    )
    .await;
    let comment = posted["id"].as_str().unwrap().to_owned();
    let one = format!("{path}/{comment}");

    // Neither the author, nor the bounty's creator, nor an analyst: moderation is an admin's.
    for (who, roles) in [
        (BOB, &["user"][..]),
        (ALICE, &["user"][..]),
        (CAROL, &["user", "analyst"][..]),
    ] {
        let (status, answer, _) = call(&app, Some((who, roles)), Method::DELETE, &one, None).await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{who}"
        );
    }
    let (status, _, _) = call(&app, None, Method::DELETE, &one, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let admin: &[&str] = &["admin"];
    let (status, _, _) = call(&app, Some((ADMIN, admin)), Method::DELETE, &one, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(outbox_events(&app, "CommentDeleted", &comment).await, 1);
    let (_, page, _) = call(&app, None, Method::GET, &path, None).await;
    assert!(page["comments"].as_array().unwrap().is_empty(), "{page}");

    let (status, answer, _) = call(&app, Some((ADMIN, admin)), Method::DELETE, &one, None).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("comment_not_found"))
    );
    assert_eq!(outbox_events(&app, "CommentDeleted", &comment).await, 1);
    app.stop().await;
}
