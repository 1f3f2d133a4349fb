//! `POST /internal/v1/files/{sha256}/bounty-artifact`: nexus-bounty marks the file a bounty is
//! posted on, for an account that uploaded it or when it is public, and analysts may then read
//! it; anything else is one 404 `file_not_found`.

use nexus_proto::UserId;
use nexus_proto::analysis::SampleVisibility;
use nexus_testkit::nexus_client::{CallContext, ClientError};

use crate::helpers::{ANALYST_ID, Harness, USER_ID};

fn user(id: &str) -> UserId {
    id.parse().unwrap()
}

fn not_found_code(error: ClientError) -> (u16, String) {
    match error {
        ClientError::Api { status, body, .. } => (status.as_u16(), body.code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uploader_marks_a_private_file_and_analysts_may_then_read_it() {
    let harness = Harness::start().await;
    let bytes = format!("bounty artifact {}", uuid::Uuid::now_v7()).into_bytes();
    let (_, accepted) = harness.upload_ok(bytes.clone()).await;
    let sha256 = accepted.sha256.clone();
    let analyst = CallContext::bearer(&harness.analyst);
    let path = format!("/v1/files/{sha256}");

    // Private and not a bounty's artifact: an analyst reads it as absent.
    let error = harness.api().get_file(&analyst, &sha256).await.unwrap_err();
    assert_eq!(not_found_code(error).0, 404, "{path} before the bounty");

    // Someone else cannot post a bounty on it, nor on a file that does not exist: one answer.
    let stranger = user("0192f000-0000-7000-8000-0000000000aa");
    let theirs = harness
        .api()
        .mark_bounty_artifact(&CallContext::none(), &sha256, stranger)
        .await
        .unwrap_err();
    assert_eq!(not_found_code(theirs), (404, "file_not_found".to_owned()));
    let missing: nexus_proto::Sha256 = "ab".repeat(32).parse().unwrap();
    let absent = harness
        .api()
        .mark_bounty_artifact(&CallContext::none(), &missing, user(USER_ID))
        .await
        .unwrap_err();
    assert_eq!(not_found_code(absent), (404, "file_not_found".to_owned()));
    assert!(harness.api().get_file(&analyst, &sha256).await.is_err());

    // Its uploader can, twice (idempotent); from then on analysts read it.
    for _ in 0..2 {
        let marked = harness
            .api()
            .mark_bounty_artifact(&CallContext::none(), &sha256, user(USER_ID))
            .await
            .unwrap();
        assert_eq!(marked.sha256, sha256);
        assert_eq!(marked.size, bytes.len() as u64);
    }
    let file = harness.api().get_file(&analyst, &sha256).await.unwrap();
    assert_eq!(file.sha256, sha256);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anyone_may_post_on_a_public_file_and_the_route_needs_the_service_token() {
    let harness = Harness::start().await;
    let bytes = format!("public artifact {}", uuid::Uuid::now_v7()).into_bytes();
    let accepted = harness
        .api()
        .upload(
            &CallContext::bearer(&harness.user),
            bytes,
            Some(SampleVisibility::Public),
        )
        .await
        .unwrap();
    let marked = harness
        .api()
        .mark_bounty_artifact(&CallContext::none(), &accepted.sha256, user(ANALYST_ID))
        .await
        .unwrap();
    assert_eq!(marked.sha256, accepted.sha256);

    // Without the service token (an outsider): refused before the handler.
    let response = reqwest::Client::new()
        .post(harness.url(&format!(
            "/internal/v1/files/{}/bounty-artifact",
            accepted.sha256
        )))
        .json(&serde_json::json!({ "user_id": USER_ID }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);

    // A malformed address or body is the caller's mistake, not a missing file.
    let client = harness.ctx.service_http_client();
    let bad_hash = client
        .post(harness.url("/internal/v1/files/xyz/bounty-artifact"))
        .json(&serde_json::json!({ "user_id": USER_ID }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_hash.status().as_u16(), 400);
    let unknown_field = client
        .post(harness.url(&format!(
            "/internal/v1/files/{}/bounty-artifact",
            accepted.sha256
        )))
        .json(&serde_json::json!({ "user_id": USER_ID, "admin": true }))
        .send()
        .await
        .unwrap();
    assert!(unknown_field.status().is_client_error());
}
