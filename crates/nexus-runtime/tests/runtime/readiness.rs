//! `/ready` follows the dependencies and the workers.

use std::time::Duration;

use nexus_proto::health::ReadinessReport;
use nexus_testkit::TestContext;
use nexus_testkit::redis_server::RedisServer;
use secrecy::SecretString;

use crate::probe::{Probe, ProbeSettings, WorkerMode};

async fn readiness(base_url: &str) -> (u16, ReadinessReport) {
    let response = reqwest::get(format!("{base_url}/ready")).await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Polls `/ready` until it answers `status`, for at most 15 s.
async fn wait_for_readiness(base_url: &str, status: u16) -> ReadinessReport {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (current, report) = readiness(base_url).await;
        if current == status {
            return report;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "/ready stayed {current}: {report:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_is_503_naming_postgres_while_it_is_unreachable() {
    let context = TestContext::new().await.unwrap();
    let mut settings = context.settings::<ProbeSettings>();
    settings.runtime.database.url = SecretString::from("postgres://postgres@127.0.0.1:1/nexus");
    settings.runtime.database.acquire_timeout = Duration::from_millis(300);
    let service = context.spawn_with::<Probe>(settings).await.unwrap();

    let (status, report) = readiness(&service.base_url()).await;

    assert_eq!(status, 503);
    assert_eq!(report.code.as_deref(), Some("not_ready"));
    let postgres = report
        .checks
        .iter()
        .find(|check| check.name == "postgres")
        .unwrap();
    assert!(!postgres.ok);
    assert!(
        report
            .checks
            .iter()
            .find(|check| check.name == "redis")
            .unwrap()
            .ok
    );
    assert!(report.message.unwrap().contains("postgres is unavailable"));
    let health = reqwest::get(format!("{}/health", service.base_url()))
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "alive even when not ready");
    service.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_follows_redis_going_down_and_coming_back() {
    let context = TestContext::new().await.unwrap();
    let mut redis = RedisServer::start().unwrap();
    let mut settings = context.settings::<ProbeSettings>();
    settings.runtime.redis.url = SecretString::from(redis.url());
    let service = context.spawn_with::<Probe>(settings).await.unwrap();
    wait_for_readiness(&service.base_url(), 200).await;

    redis.stop();
    let report = wait_for_readiness(&service.base_url(), 503).await;
    assert!(
        !report
            .checks
            .iter()
            .find(|check| check.name == "redis")
            .unwrap()
            .ok,
        "{report:?}"
    );
    assert!(
        report
            .checks
            .iter()
            .find(|check| check.name == "postgres")
            .unwrap()
            .ok
    );

    redis.restart().unwrap();
    wait_for_readiness(&service.base_url(), 200).await;
    service.running.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_stops_on_its_own_makes_the_service_not_ready() {
    let context = TestContext::new().await.unwrap();
    let mut settings = context.settings::<ProbeSettings>();
    settings.service.worker = WorkerMode::Failing;
    let service = context.spawn_with::<Probe>(settings).await.unwrap();

    let report = wait_for_readiness(&service.base_url(), 503).await;

    let workers = report
        .checks
        .iter()
        .find(|check| check.name == "workers")
        .unwrap();
    assert!(
        workers.error.as_deref().unwrap().contains("probe_worker"),
        "{report:?}"
    );
    let shutdown = service.running.shutdown().await;
    let probe = shutdown
        .workers
        .iter()
        .find(|worker| worker.name == "probe_worker")
        .unwrap();
    assert!(
        matches!(&probe.outcome, nexus_runtime::WorkerOutcome::Failed(message) if message.contains("lost its upstream"))
    );
}
