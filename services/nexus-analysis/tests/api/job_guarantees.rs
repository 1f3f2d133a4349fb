//! No job lost, none stuck: a job the bus gives up on ends `failed` with the reason; a poison
//! sample that exhausts its time budget fails without keeping a pool thread; settings that
//! would make a batch outlive the reclaim time are refused at start.

use std::time::Duration;

use nexus_analysis::AnalysisService;
use nexus_proto::analysis::AnalysisStatus;

use crate::helpers::{Harness, TempDir, claim_without_acking, fixture, settings, wait_until};

const JOB_STREAM: &str = "nexus:analysis:jobs:v1";
const GROUP: &str = "analysis-workers";
const RETROHUNT_STREAM: &str = "nexus:analysis:retrohunts:v1";
const RETROHUNT_GROUP: &str = "analysis-retrohunts";

/// Settings of a survivor that allows one delivery and reclaims quickly.
fn one_delivery(
    ctx: &nexus_testkit::TestContext,
    store: &TempDir,
) -> nexus_runtime::Settings<nexus_analysis::settings::AnalysisSettings> {
    let mut survivor = settings(ctx, store);
    survivor.runtime.bus.max_deliveries = 1;
    survivor.runtime.bus.handler_timeout = Duration::from_secs(2);
    survivor.runtime.bus.claim_idle = Duration::from_secs(3);
    survivor.runtime.bus.reclaim_interval = Duration::from_millis(100);
    survivor
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retrohunt_chunk_whose_workers_keep_dying_ends_the_hunt_failed_with_the_reason() {
    let harness = Harness::start_with(|settings| settings.service.workers = 0).await;
    harness.upload_ok(fixture("tiny")).await;
    let hunt_id = harness
        .hunt(&harness.user, "rule anything { condition: true }")
        .await
        .id;
    claim_without_acking(&harness, RETROHUNT_STREAM, RETROHUNT_GROUP).await;
    harness.service.running.shutdown().await;

    let survivor = harness
        .ctx
        .spawn_with::<AnalysisService>(one_delivery(&harness.ctx, &harness.store))
        .await
        .unwrap();
    let failed = wait_until("the dead-lettered hunt to fail", || async {
        let response = harness
            .http
            .get(format!("{}/v1/retrohunts/{hunt_id}", survivor.base_url()))
            .bearer_auth(&harness.user)
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        (body["status"] == "failed").then_some(body)
    })
    .await;
    let reason = failed["error"].as_str().unwrap_or_default();
    assert!(reason.contains("max_deliveries_exceeded"), "{failed}");
    survivor.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_workers_keep_dying_ends_failed_with_the_reason_not_running_for_ever() {
    let harness = Harness::start_with(|settings| settings.service.workers = 0).await;
    let (analysis_id, _) = harness.upload_ok(fixture("tiny")).await;

    // A worker takes the job and dies without acknowledging it: its only delivery is used up.
    claim_without_acking(&harness, JOB_STREAM, GROUP).await;
    harness.service.running.shutdown().await;

    // With one delivery allowed, the survivor finds the entry over the limit and gives up on it.
    let survivor = harness
        .ctx
        .spawn_with::<AnalysisService>(one_delivery(&harness.ctx, &harness.store))
        .await
        .unwrap();
    let analysis = wait_until("the dead-lettered analysis to fail", || async {
        let response = harness
            .http
            .get(format!("{}/v1/analyses/{analysis_id}", survivor.base_url()))
            .bearer_auth(&harness.user)
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        (body["status"] == "failed").then_some(body)
    })
    .await;
    let reason = analysis["error"].as_str().unwrap_or_default();
    assert!(reason.contains("max_deliveries_exceeded"), "{analysis}");
    let bus = nexus_bus::Bus::connect(
        &harness.ctx.redis_url,
        harness.ctx.redis_prefix.clone(),
        nexus_bus::BusSettings::default(),
    )
    .await
    .unwrap();
    assert_eq!(bus.dead_letters(JOB_STREAM, 10).await.unwrap().len(), 1);
    assert_eq!(bus.pending_count(JOB_STREAM, GROUP).await.unwrap(), 0);
    survivor.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_longer_than_the_reclaim_time_is_refused_at_start() {
    let ctx = nexus_testkit::TestContext::new().await.unwrap();
    let store = TempDir::new();
    let mut refused = settings(&ctx, &store);
    refused.runtime.bus.batch_size = 16;
    refused.runtime.bus.handler_timeout = Duration::from_secs(30);
    refused.runtime.bus.claim_idle = Duration::from_secs(60);

    let error = match ctx.spawn_with::<AnalysisService>(refused).await {
        Ok(_) => panic!("a batch of 16 × 30 s cannot finish within a 60 s claim_idle"),
        Err(error) => error.to_string(),
    };

    for key in ["bus.batch_size", "bus.handler_timeout", "bus.claim_idle"] {
        assert!(error.contains(key), "{error}");
    }
}

/// A rule whose condition loops over every pair of bytes and never holds (a product of two
/// bytes is at most 65025): on 64 KiB that is billions of steps.
const SLOW_RULE: &str = r#"
rule quadratic_poison {
    condition:
        for any i in (0..filesize) : (
            for any j in (0..filesize) : ( uint8(i) * uint8(j) == 65536 + i )
        )
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_sample_that_exhausts_its_budget_fails_and_gives_its_thread_back() {
    let rules = TempDir::new();
    std::fs::write(rules.0.join("poison.yar"), SLOW_RULE).unwrap();
    let rules_dir = rules.0.clone();
    let harness = Harness::start_with(move |settings| {
        settings.service.rules_dir = Some(rules_dir);
        settings.service.jobs.cpu_threads = 1;
        settings.runtime.bus.handler_timeout = Duration::from_secs(2);
        settings.runtime.bus.claim_idle = Duration::from_secs(5);
    })
    .await;

    for seed in 0..3_u8 {
        let poison: Vec<u8> = (0..64 * 1024_u32)
            .map(|index| (index as u8).wrapping_mul(7) ^ seed)
            .collect();
        let (analysis_id, _) = harness.upload_ok(poison).await;
        let analysis = harness.finished(&analysis_id).await;
        let error = analysis.error.clone().unwrap_or_default();
        assert_eq!(analysis.status, AnalysisStatus::Failed, "{error}");
        assert!(error.contains("budget"), "{error}");
    }

    // The pool never had more than its one thread, and the abandoned scans stopped (YARA's own
    // timeout is the job's budget), so no thread stays busy.
    let metrics = wait_until("the pool to be idle again", || async {
        let metrics = harness.metrics().await;
        (metrics.contains("nexus_analysis_cpu_threads{state=\"overrunning\"} 0")
            && metrics.contains("nexus_analysis_cpu_threads{state=\"busy\"} 0"))
        .then_some(metrics)
    })
    .await;
    assert!(
        metrics.contains("nexus_analysis_cpu_threads{state=\"total\"} 1"),
        "{metrics}"
    );
}
