//! What the API refuses, with its codes, and what guests may read.

use nexus_testkit::nexus_client::{CallContext, ClientError};
use serde_json::Value;

use crate::helpers::TestApp;

fn code(result: Result<Value, ClientError>) -> (u16, String) {
    match result {
        Err(ClientError::Api { status, body, .. }) => (status.as_u16(), body.code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_are_400_and_unknown_accounts_404_with_their_codes() {
    let app = TestApp::spawn().await;
    let guest = CallContext::none();
    for (path, status, expected) in [
        ("/v1/leaderboards?period=year", 400, "invalid_query"),
        ("/v1/leaderboards?kind=exe", 400, "invalid_query"),
        ("/v1/leaderboards?limit=0", 400, "invalid_query"),
        ("/v1/leaderboards?limit=101", 400, "invalid_query"),
        (
            "/v1/reputation/0190a0a0-0000-7000-8000-00000000a11c",
            404,
            "reputation_not_found",
        ),
        (
            "/v1/reputation/0190a0a0-0000-7000-8000-00000000a11c/history?cursor=h0",
            400,
            "invalid_cursor",
        ),
        (
            "/v1/reputation/0190a0a0-0000-7000-8000-00000000a11c/history?limit=500",
            400,
            "invalid_query",
        ),
    ] {
        let (found_status, found_code) = code(app.get::<Value>(&guest, path).await);
        assert_eq!(
            (found_status, found_code.as_str()),
            (status, expected),
            "{path}"
        );
    }
    // Guests read boards and histories (public chain facts), signed-in members too.
    let board: Value = app
        .get(&guest, "/v1/leaderboards?period=month&kind=macho")
        .await
        .unwrap();
    assert_eq!(board["total"], 0);
    assert_eq!(board["period"], "month");
    let member = app
        .context
        .as_user("0190a0a0-0000-7000-8000-00000000b0b0", &["user"]);
    let history: Value = app
        .get(
            &member,
            "/v1/reputation/0190a0a0-0000-7000-8000-00000000a11c/history",
        )
        .await
        .unwrap();
    assert_eq!(history["entries"], serde_json::json!([]));
    app.stop().await;
}
