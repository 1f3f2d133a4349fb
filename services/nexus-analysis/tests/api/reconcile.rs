//! The reconciliation loop: a job whose stream entry was lost after the outbox marked it
//! published (Redis restarted without persistence) is queued again, once, and analysed once;
//! a job that is merely waiting in the stream is left alone.

use std::time::Duration;

use nexus_analysis::AnalysisService;
use nexus_analysis::settings::AnalysisSettings;
use nexus_runtime::Settings;

use crate::helpers::{Harness, fixture, outbox_events, settings, wait_until};

const JOB_STREAM: &str = "nexus:analysis:jobs:v1";

fn fast_reconcile(settings: &mut Settings<AnalysisSettings>) {
    settings.runtime.bus.handler_timeout = Duration::from_secs(1);
    settings.runtime.bus.claim_idle = Duration::from_secs(2);
    settings.service.jobs.reconcile_interval = Duration::from_millis(200);
    settings.service.jobs.reconcile_after = Duration::from_millis(1500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_lost_with_redis_data_is_queued_again_once_and_analysed_once() {
    // No workers: the job waits in the stream, as behind a long queue.
    let harness = Harness::start_with(|settings| {
        settings.service.workers = 0;
        fast_reconcile(settings);
    })
    .await;
    let pool = harness.ctx.database.pool.clone();
    let (analysis_id, _) = harness.upload_ok(fixture("tiny")).await;
    wait_until("the relay to publish the job", || async {
        let published = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM analysis.outbox WHERE published_at IS NOT NULL
             AND envelope->'payload'->>'analysis_id' = $1"#,
            analysis_id,
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        (published == 1).then_some(())
    })
    .await;
    // Well past reconcile_after, the waiting job is still outstanding: nothing is re-queued.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        outbox_events(&pool, "AnalysisRequested", &analysis_id).await,
        1
    );

    // Redis loses its data.
    let client = redis::Client::open(harness.ctx.redis_url.as_str()).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let _: i64 = redis::cmd("DEL")
        .arg(format!("{}{JOB_STREAM}", harness.ctx.redis_prefix))
        .query_async(&mut redis)
        .await
        .unwrap();
    wait_until("the lost job to be queued again", || async {
        (outbox_events(&pool, "AnalysisRequested", &analysis_id).await == 2).then_some(())
    })
    .await;
    harness.service.running.shutdown().await;

    // A worker takes the re-queued job and analyses the sample once.
    let mut working = settings(&harness.ctx, &harness.store);
    fast_reconcile(&mut working);
    let survivor = harness
        .ctx
        .spawn_with::<AnalysisService>(working)
        .await
        .unwrap();
    let analysis = wait_until("the re-queued analysis to finish", || async {
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
    assert_eq!(analysis["id"], analysis_id.as_str());
    assert_eq!(
        outbox_events(&pool, "AnalysisCompleted", &analysis_id).await,
        1
    );
    let metrics = survivor.metrics_text().await.unwrap();
    assert!(
        metrics.contains("nexus_analysis_engine_runs_total 1\n"),
        "{metrics}"
    );
    // Finished: later passes leave it alone.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        outbox_events(&pool, "AnalysisRequested", &analysis_id).await,
        2
    );
    survivor.running.shutdown().await;
}
