//! Graceful shutdown: in-flight requests finish, workers are stopped and reported.

use std::time::Duration;

use nexus_runtime::WorkerOutcome;
use nexus_testkit::TestContext;

use crate::probe::{Probe, ProbeSettings, WorkerMode};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_requests_finish_and_new_connections_are_refused_after_shutdown() {
    let context = TestContext::new().await.unwrap();
    let service = context.spawn::<Probe>().await.unwrap();
    let url = format!("{}/v1/slow/800", service.base_url());
    let address = service.running.http_addr();

    let in_flight = tokio::spawn(async move { reqwest::get(url).await.unwrap() });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let report = service.running.shutdown().await;

    let response = in_flight.await.unwrap();
    assert_eq!(
        response.status(),
        200,
        "the request in flight at SIGTERM must complete"
    );
    assert_eq!(response.text().await.unwrap(), "done");
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(
        report.workers.len(),
        2,
        "probe worker and outbox relay: {report:?}"
    );
    assert!(std::net::TcpStream::connect_timeout(&address, Duration::from_millis(300)).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_ignores_shutdown_is_aborted_at_the_deadline_and_reported() {
    let context = TestContext::new().await.unwrap();
    let mut settings = context.settings::<ProbeSettings>();
    settings.service.worker = WorkerMode::Stubborn;
    settings.runtime.server.shutdown_timeout = Duration::from_secs(1);
    let service = context.spawn_with::<Probe>(settings).await.unwrap();

    let report = service.running.shutdown().await;

    assert!(!report.is_clean());
    let stubborn = report
        .workers
        .iter()
        .find(|worker| worker.name == "probe_worker")
        .unwrap();
    assert_eq!(stubborn.outcome, WorkerOutcome::TimedOut);
    let relay = report
        .workers
        .iter()
        .find(|worker| worker.name == "outbox_relay")
        .unwrap();
    assert_eq!(relay.outcome, WorkerOutcome::Completed);
    assert!(
        report.elapsed < Duration::from_secs(5),
        "the deadline bounds shutdown: {:?}",
        report.elapsed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_port_in_use_is_a_clear_start_error() {
    let context = TestContext::new().await.unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut settings = context.settings::<ProbeSettings>();
    settings.runtime.server.http_addr = taken.local_addr().unwrap();
    let error = context.spawn_with::<Probe>(settings).await.unwrap_err();
    let error = error.downcast::<nexus_runtime::RuntimeError>().unwrap();
    assert_eq!(error.code(), "bind_failed");
    assert!(
        error
            .to_string()
            .contains(&taken.local_addr().unwrap().to_string())
    );
}
