//! A failed analysis can be queued again: `POST /v1/analyses/{id}/reanalyse` by an uploader
//! (another user learns nothing: 404), once per sample and rules version, with the rules in
//! force when it is asked for.

use nexus_analysis::AnalysisService;
use nexus_proto::analysis::{AnalysisStatus, AnalysisView};
use nexus_testkit::TestService;
use nexus_testkit::nexus_client::CallContext;
use serde_json::Value;

use crate::helpers::{Harness, TempDir, report_json, settings, wait_until, yara_rules};

/// `POST path` with `token` and no body, as raw status and JSON (for the refusals).
async fn post(service: &TestService, path: &str, token: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", service.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn finished(service: &TestService, token: &str, analysis_id: &str) -> AnalysisView {
    let id = analysis_id.parse().unwrap();
    let as_owner = CallContext::bearer(token);
    wait_until(&format!("analysis {analysis_id} to finish"), || async {
        let analysis = service
            .client
            .analysis()
            .get_analysis(&as_owner, id)
            .await
            .unwrap();
        matches!(
            analysis.status,
            AnalysisStatus::Completed | AnalysisStatus::Partial | AnalysisStatus::Failed
        )
        .then_some(analysis)
    })
    .await
}

/// What is left of the harness once its first service stopped.
struct Failed {
    ctx: nexus_testkit::TestContext,
    store: TempDir,
    user: String,
}

/// A sample whose analysis failed (a worker with a lower size limit took it), and a service
/// with the normal limit over the same store.
async fn failed_analysis() -> (Failed, String, Vec<u8>, TestService) {
    // Stored while no worker runs; then a worker with a lower size limit fails the analysis.
    let harness = Harness::start_with(|settings| settings.service.workers = 0).await;
    let sample: Vec<u8> = (0..4096_u32).map(|index| (index % 251) as u8).collect();
    let (failed_id, _) = harness.upload_ok(sample.clone()).await;
    let Harness {
        ctx,
        store,
        service: first,
        user,
        ..
    } = harness;
    first.running.shutdown().await;
    let harness = Failed { ctx, store, user };
    let mut strict = settings(&harness.ctx, &harness.store);
    strict.service.max_upload_bytes = 1024;
    let strict = harness
        .ctx
        .spawn_with::<AnalysisService>(strict)
        .await
        .unwrap();
    let failed = finished(&strict, &harness.user, &failed_id).await;
    assert_eq!(failed.status, AnalysisStatus::Failed, "{failed:?}");
    assert!(
        failed
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("limit"),
        "{failed:?}"
    );
    strict.running.shutdown().await;
    let service = harness
        .ctx
        .spawn_with::<AnalysisService>(settings(&harness.ctx, &harness.store))
        .await
        .unwrap();
    (harness, failed_id, sample, service)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploading_the_bytes_of_a_failed_analysis_again_queues_a_new_one() {
    let (harness, failed_id, sample, service) = failed_analysis().await;

    let accepted = service
        .client
        .analysis()
        .upload(&CallContext::bearer(&harness.user), sample, None)
        .await
        .unwrap();
    assert!(!accepted.duplicate, "{accepted:?}");
    let new_id = accepted.analysis_id.to_string();
    assert_ne!(new_id, failed_id);
    let done = finished(&service, &harness.user, &new_id).await;
    assert!(
        matches!(
            done.status,
            AnalysisStatus::Completed | AnalysisStatus::Partial
        ),
        "{:?}",
        done.status
    );
    service.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_analysis_is_queued_again_by_its_uploader_and_nobody_else() {
    let (harness, failed_id, _, service) = failed_analysis().await;
    let path = format!("/v1/analyses/{failed_id}/reanalyse");

    // Another user cannot even tell the private analysis exists.
    let stranger = harness.ctx.access_token("mallory", &["user"]);
    let (status, body) = post(&service, &path, &stranger).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("analysis_not_found"))
    );

    let api = service.client.analysis();
    let as_uploader = CallContext::bearer(&harness.user);
    let failed = failed_id.parse().unwrap();
    let queued = api.reanalyse(&as_uploader, failed).await.unwrap();
    assert!(!queued.duplicate);
    assert_eq!(queued.previous_analysis_id, failed);
    let new_id = queued.analysis_id.to_string();
    assert_ne!(new_id, failed_id);
    let done = finished(&service, &harness.user, &new_id).await;
    assert!(
        matches!(
            done.status,
            AnalysisStatus::Completed | AnalysisStatus::Partial
        ),
        "{:?}",
        done.status
    );

    // Once per sample and rules version: asking again points at the same analysis.
    let again = api.reanalyse(&as_uploader, failed).await.unwrap();
    assert!(again.duplicate);
    assert_eq!(again.analysis_id, queued.analysis_id);
    service.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reanalysis_after_the_platform_rules_changed_runs_the_newer_rules() {
    let (harness, failed_id, _, service) = failed_analysis().await;
    let as_uploader = CallContext::bearer(&harness.user);
    let failed = service
        .client
        .analysis()
        .get_analysis(&as_uploader, failed_id.parse().unwrap())
        .await
        .unwrap();
    service.running.shutdown().await;

    // The platform's rules change (a restart with one more rule, which matches the sample).
    let rules = TempDir::new();
    std::fs::write(
        rules.0.join("newer.yar"),
        "rule newer_platform_rule { condition: filesize == 4096 }",
    )
    .unwrap();
    let mut newer = settings(&harness.ctx, &harness.store);
    newer.service.rules_dir = Some(rules.0.clone());
    let service = harness
        .ctx
        .spawn_with::<AnalysisService>(newer)
        .await
        .unwrap();

    let queued = service
        .client
        .analysis()
        .reanalyse(&as_uploader, failed.id)
        .await
        .unwrap();
    assert!(!queued.duplicate, "{queued:?}");
    assert_ne!(queued.ruleset_version, failed.ruleset_version, "{queued:?}");
    let done = finished(&service, &harness.user, &queued.analysis_id.to_string()).await;
    assert!(
        matches!(
            done.status,
            AnalysisStatus::Completed | AnalysisStatus::Partial
        ),
        "{done:?}"
    );
    assert_eq!(done.ruleset_version, queued.ruleset_version);
    let matched = yara_rules(&report_json(&done));
    assert!(
        matched
            .iter()
            .any(|rule| rule.ends_with(".newer_platform_rule")),
        "the newer rule ran on the re-analysis: {matched:?}"
    );
    service.running.shutdown().await;
}
