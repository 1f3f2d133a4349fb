//! Events: live stage updates over pub/sub, the durable `AnalysisCompleted` over the outbox.

use std::time::Duration;

use futures_util::StreamExt;
use nexus_proto::Event;
use nexus_proto::analysis::{AnalysisCompleted, AnalysisProgress};

use crate::helpers::{EICAR_SHA256, Harness, fixture, wait_until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stages_go_out_live_and_completion_is_published_durably_once() {
    let harness = Harness::start().await;
    let bus = nexus_bus::Bus::connect(
        &harness.ctx.redis_url,
        harness.ctx.redis_prefix.clone(),
        nexus_bus::BusSettings::default(),
    )
    .await
    .unwrap();
    let mut live = bus.subscribe(&[AnalysisProgress::STREAM]).await.unwrap();

    let (analysis_id, _) = harness.upload_ok(fixture("eicar.com")).await;
    let mut stages = Vec::new();
    while stages.last().map(String::as_str) != Some("done") {
        let event = tokio::time::timeout(Duration::from_secs(60), live.next())
            .await
            .expect("no progress event within a minute")
            .unwrap();
        let progress = event.envelope.decode::<AnalysisProgress>().unwrap().payload;
        assert_eq!(progress.analysis_id.to_string(), analysis_id);
        stages.push(progress.stage);
    }
    assert_eq!(stages, ["fetch", "engine", "commit", "done"]);

    // The relay appends AnalysisCompleted to its stream.
    let key = bus.key(AnalysisCompleted::STREAM);
    let redis = bus.connection();
    let entries: Vec<redis::streams::StreamId> =
        wait_until("AnalysisCompleted on its stream", || {
            let (key, mut redis) = (key.clone(), redis.clone());
            async move {
                let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
                    .arg(&key)
                    .arg("-")
                    .arg("+")
                    .query_async(&mut redis)
                    .await
                    .unwrap();
                (!reply.ids.is_empty()).then_some(reply.ids)
            }
        })
        .await;
    assert_eq!(entries.len(), 1);
    let envelope: String = entries[0].get("envelope").unwrap();
    let completed: nexus_proto::Envelope<AnalysisCompleted> =
        serde_json::from_str(&envelope).unwrap();
    assert_eq!(completed.payload.analysis_id.to_string(), analysis_id);
    assert_eq!(completed.payload.sha256, EICAR_SHA256);
    assert!(
        completed
            .payload
            .yara_rules
            .contains(&"builtin.eicar_test_file".to_owned())
    );
    assert!(completed.payload.submitted_by.starts_with("0192f000"));
}
