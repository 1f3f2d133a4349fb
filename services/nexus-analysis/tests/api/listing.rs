//! `GET /v1/analyses`: the analyses of the caller's own uploads, newest first, in cursor pages;
//! another account's uploads never appear, guests are refused, and a bad page is a 400.

use nexus_proto::analysis::{AnalysisListQuery, SampleVisibility};
use nexus_testkit::nexus_client::{CallContext, ClientError};

use crate::helpers::Harness;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_through_the_callers_uploads_only_newest_first() {
    let harness = Harness::start().await;
    let mine = harness.token("lister-1", &["user"]);
    let theirs = harness.token("lister-2", &["user"]);
    let mut uploaded = Vec::new();
    for index in 0..3 {
        let bytes = format!("listed sample {index} {}", uuid::Uuid::now_v7()).into_bytes();
        let accepted = harness
            .upload_as(&mine, bytes, SampleVisibility::Private)
            .await;
        uploaded.push(accepted.analysis_id);
    }
    // Someone else's upload, public even: not the caller's, so not listed.
    let other = harness
        .upload_as(
            &theirs,
            format!("not mine {}", uuid::Uuid::now_v7()).into_bytes(),
            SampleVisibility::Public,
        )
        .await;

    let api = harness.api();
    let context = CallContext::bearer(&mine);
    let first = api
        .list_analyses(
            &context,
            &AnalysisListQuery {
                limit: Some(2),
                cursor: None,
            },
        )
        .await
        .unwrap();
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = api
        .list_analyses(
            &context,
            &AnalysisListQuery {
                limit: Some(2),
                cursor: Some(cursor),
            },
        )
        .await
        .unwrap();
    assert_eq!(second.next_cursor, None, "{second:?}");
    let listed: Vec<_> = first
        .analyses
        .iter()
        .chain(&second.analyses)
        .map(|analysis| analysis.id)
        .collect();
    let mut newest_first = uploaded.clone();
    newest_first.reverse();
    assert_eq!(listed, newest_first);
    assert!(!listed.contains(&other.analysis_id));
    assert!(
        first
            .analyses
            .iter()
            .all(|analysis| analysis.report.is_none())
    );

    // The other account sees its own upload and none of these.
    let theirs_page = api
        .list_analyses(&CallContext::bearer(&theirs), &AnalysisListQuery::default())
        .await
        .unwrap();
    let ids: Vec<_> = theirs_page.analyses.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![other.analysis_id]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_bad_limits_and_foreign_cursors_are_refused_with_their_codes() {
    let harness = Harness::start().await;
    let (status, body) = harness.call("GET", "/v1/analyses", None, None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("unauthenticated")),
        "{body}"
    );

    let token = harness.token("lister-3", &["user"]);
    for (path, code) in [
        ("/v1/analyses?limit=0", "invalid_query"),
        ("/v1/analyses?limit=101", "invalid_query"),
        ("/v1/analyses?cursor=h42", "invalid_cursor"),
        ("/v1/analyses?cursor=a0123", "invalid_cursor"),
    ] {
        let (status, body) = harness.call("GET", path, Some(&token), None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some(code)),
            "{path}: {body}"
        );
    }

    // An API key without `analysis:list` is refused by the policy, not served.
    let scoped = harness.api_key_token("lister-3", "analysis:read");
    match harness
        .api()
        .list_analyses(&CallContext::bearer(&scoped), &AnalysisListQuery::default())
        .await
    {
        Err(ClientError::Api { status, body, .. }) => {
            assert_eq!(
                (status.as_u16(), body.code.as_str()),
                (403, "scope_insufficient")
            );
        }
        other => panic!("expected a 403, got {other:?}"),
    }
}
