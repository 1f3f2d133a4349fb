//! Every background loop of the service, registered in one place with the service itself
//! (`Arc<AnalysisService>`, the state the handlers see):
//!
//! | worker | what it does |
//! |---|---|
//! | `analysis-worker-{n}` (`workers` of them) | consumes analysis jobs ([`crate::worker`]) |
//! | `retrohunt-worker-{n}` (`jobs.hunt_threads` of them, when `workers` > 0) | consumes retrohunt chunks on the hunt pool ([`crate::retrohunt`], [`crate::retrohunt_failures`]) |
//! | `ruleset-listener` | reloads the rules when an instance announces a ruleset |
//! | `reconcile-jobs` | queues again jobs lost with Redis data ([`crate::reconcile`]) |
//! | `queue-depth` | keeps the queue-depth and CPU-pool gauges current |
//! | `staging-sweep` | deletes staged files nobody holds ([`crate::sample_store::staging`]) |
//!
//! Staged files left by a crash are deleted while the service is built, before it takes any
//! upload; `staging-sweep` repeats it every few minutes for the files of a peer sharing the
//! directory that died and was not restarted.

use std::sync::Arc;

use futures_util::StreamExt;
use nexus_bus::ConsumerParams;
use nexus_proto::Event;
use nexus_proto::analysis::{AnalysisRequested, RetrohuntRequested, RulesetPublished};
use nexus_runtime::{WorkerResult, Workers};
use tokio_util::sync::CancellationToken;

use crate::AnalysisService;
use crate::reconcile;
use crate::retrohunt::RETROHUNT_GROUP;
use crate::retrohunt_failures::ReportedRetrohuntJobs;
use crate::sample_store::{STAGED_MAX_IDLE, STAGING_SWEEP_INTERVAL, clean_staging};
use crate::worker::{ANALYSIS_GROUP, AnalysisJobs};

/// Registers the analysis consumers, the retrohunt consumer, the ruleset listener, the
/// reconciliation loop, the queue-depth gauge and the staging sweep.
pub fn register(service: Arc<AnalysisService>, workers: &mut Workers) {
    let instance = uuid::Uuid::now_v7().simple().to_string();
    for index in 0..service.settings.workers {
        let service = Arc::clone(&service);
        let consumer = format!("analysis-{instance}-{index}");
        workers.add(
            &format!("analysis-worker-{index}"),
            move |token| async move {
                let params =
                    ConsumerParams::new(AnalysisRequested::STREAM, ANALYSIS_GROUP, consumer);
                let consumer = service.bus.consumer(params).await?;
                consumer.run(AnalysisJobs::new(service), token).await;
                Ok(())
            },
        );
    }
    // One hunt consumer per hunt thread: hunts run on their own pool, apart from analyses.
    let hunt_consumers = if service.settings.workers > 0 {
        service.settings.jobs.hunt_threads()
    } else {
        0
    };
    for index in 0..hunt_consumers {
        let retro = Arc::clone(&service);
        let consumer = format!("retrohunt-{instance}-{index}");
        workers.add(
            &format!("retrohunt-worker-{index}"),
            move |token| async move {
                let params =
                    ConsumerParams::new(RetrohuntRequested::STREAM, RETROHUNT_GROUP, consumer);
                let consumer = retro.bus.consumer(params).await?;
                consumer.run(ReportedRetrohuntJobs::new(retro), token).await;
                Ok(())
            },
        );
    }
    let listener = Arc::clone(&service);
    workers.add("ruleset-listener", move |token| {
        listen_for_rulesets(listener, token)
    });
    let reconciler = Arc::clone(&service);
    workers.add("reconcile-jobs", move |token| {
        reconcile::run(reconciler, token)
    });
    let sweeper = Arc::clone(&service);
    workers.add("staging-sweep", move |token| sweep_staging(sweeper, token));
    workers.add("queue-depth", move |token| {
        refresh_queue_depth(service, token)
    });
}

/// Every [`STAGING_SWEEP_INTERVAL`], deletes the staged files nobody holds (the start-up sweep
/// ran while the service was built).
async fn sweep_staging(service: Arc<AnalysisService>, token: CancellationToken) -> WorkerResult {
    loop {
        tokio::select! {
            () = token.cancelled() => return Ok(()),
            () = tokio::time::sleep(STAGING_SWEEP_INTERVAL) => {}
        }
        let staging = service.samples.staging_dir().to_path_buf();
        let swept =
            tokio::task::spawn_blocking(move || clean_staging(&staging, STAGED_MAX_IDLE)).await;
        match swept {
            Ok(Ok(0)) => {}
            Ok(Ok(deleted)) => {
                tracing::info!(deleted, "Deleted staged files nobody holds.");
            }
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "Sweeping the staging directory failed; the next sweep retries.");
            }
            Err(error) => {
                tracing::warn!(error = %error, "The staging sweep stopped; the next sweep retries.");
            }
        }
    }
}

/// Reloads the rules when another instance announces a ruleset (live pub/sub; a missed
/// message is caught up by the per-job version check).
async fn listen_for_rulesets(
    service: Arc<AnalysisService>,
    token: CancellationToken,
) -> WorkerResult {
    let mut subscription = service.bus.subscribe(&[RulesetPublished::STREAM]).await?;
    loop {
        tokio::select! {
            () = token.cancelled() => return Ok(()),
            message = subscription.next() => {
                if message.is_none() {
                    return Err("the ruleset subscription closed".into());
                }
                if let Err(error) = service.rules.reload_if_behind(service.store.pool()).await {
                    tracing::warn!(error = %nexus_http::error::cause_chain(&error), "Reloading YARA rules failed; the next job retries.");
                }
            }
        }
    }
}

/// Keeps `nexus_analysis_queue_depth`, `nexus_analysis_cpu_threads` and
/// `nexus_analysis_retrohunt_threads` current.
async fn refresh_queue_depth(
    service: Arc<AnalysisService>,
    token: CancellationToken,
) -> WorkerResult {
    loop {
        service.metrics.set_cpu_pool(service.cpu.stats());
        service.metrics.set_hunt_pool(service.hunts.pool.stats());
        match service.store.queue_depth().await {
            Ok(depth) => service.metrics.set_queue_depth(depth),
            Err(error) => {
                tracing::debug!(error = %error, "Reading the queue depth failed.");
            }
        }
        tokio::select! {
            () = token.cancelled() => return Ok(()),
            () = tokio::time::sleep(service.settings.queue_depth_interval) => {}
        }
    }
}
