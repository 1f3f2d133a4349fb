//! The job queue: a job claimed by a consumer that dies is reclaimed and completed once.

use std::time::Duration;

use nexus_analysis::AnalysisService;

use crate::helpers::{Harness, claim_without_acking, fixture, outbox_events, settings, wait_until};

const JOB_STREAM: &str = "nexus:analysis:jobs:v1";
const GROUP: &str = "analysis-workers";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_held_by_a_dead_worker_is_reclaimed_and_completed_exactly_once() {
    // First instance: uploads only, no workers.
    let harness = Harness::start_with(|settings| settings.service.workers = 0).await;
    let (analysis_id, accepted) = harness.upload_ok(fixture("tiny")).await;
    let sha256 = accepted.sha256.clone();

    // A worker takes the job from the stream and dies without acknowledging it.
    let claimed = claim_without_acking(&harness, JOB_STREAM, GROUP).await;
    let job_name: String = claimed.get("name").unwrap();
    let job_envelope: String = claimed.get("envelope").unwrap();
    harness.service.running.shutdown().await;

    // A second instance with a worker reclaims the idle job and completes it.
    let mut recovering = settings(&harness.ctx, &harness.store);
    // batch_size (1) × handler_timeout must stay below claim_idle (checked at start).
    recovering.runtime.bus.handler_timeout = Duration::from_secs(1);
    recovering.runtime.bus.claim_idle = Duration::from_millis(1500);
    recovering.runtime.bus.reclaim_interval = Duration::from_millis(100);
    let survivor = harness
        .ctx
        .spawn_with::<AnalysisService>(recovering)
        .await
        .unwrap();
    let analysis = wait_until("the reclaimed job to complete", || async {
        let response = harness
            .http
            .get(format!("{}/v1/analyses/{analysis_id}", survivor.base_url()))
            .bearer_auth(&harness.user)
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        matches!(body["status"].as_str(), Some("completed" | "partial")).then_some(body)
    })
    .await;
    assert_eq!(analysis["sha256"], sha256.as_str());

    let pool = &harness.ctx.database.pool;
    let completed_events = outbox_events(pool, "AnalysisCompleted", &analysis_id).await;
    assert_eq!(completed_events, 1);

    // The reclaimed entry was acknowledged, and a redelivery of the same job changes nothing.
    let bus = nexus_bus::Bus::connect(
        &harness.ctx.redis_url,
        harness.ctx.redis_prefix.clone(),
        nexus_bus::BusSettings::default(),
    )
    .await
    .unwrap();
    wait_until("the reclaimed entry to be acknowledged", || async {
        (bus.pending_count(JOB_STREAM, GROUP).await.unwrap() == 0).then_some(())
    })
    .await;
    // At-least-once delivery: the same job arrives again; it is acknowledged and skipped.
    let client = redis::Client::open(harness.ctx.redis_url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{}{JOB_STREAM}", harness.ctx.redis_prefix);
    let _: String = redis::cmd("XADD")
        .arg(&key)
        .arg("*")
        .arg("name")
        .arg(&job_name)
        .arg("envelope")
        .arg(&job_envelope)
        .query_async(&mut redis)
        .await
        .unwrap();
    let metrics = wait_until("the duplicate job to be acknowledged", || async {
        let metrics = survivor.metrics_text().await.ok()?;
        metrics
            .contains(
                "nexus_bus_consumed_total{stream=\"nexus:analysis:jobs:v1\",outcome=\"acked\"} 2",
            )
            .then_some(metrics)
    })
    .await;
    assert!(
        metrics.contains("nexus_bus_reclaimed_total{stream=\"nexus:analysis:jobs:v1\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("nexus_analysis_engine_runs_total 1\n"),
        "{metrics}"
    );
    let completed_again = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM analysis.outbox
         WHERE envelope->>'name' = 'AnalysisCompleted'"#
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(completed_again, 1);
    survivor.running.shutdown().await;
}
