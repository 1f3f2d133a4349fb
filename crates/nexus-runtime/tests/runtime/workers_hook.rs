//! `Service::workers`: the loops a service registers run with the very state its handlers see.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use actix_web::{HttpResponse, web};
use nexus_config::ServiceKind;
use nexus_runtime::{
    Dependency, NoSettings, Resources, RuntimeError, Service, Setup, WorkerOutcome, Workers,
};
use nexus_testkit::TestContext;

/// Counts its workers' ticks; `GET /v1/ticks` answers the count the handlers see.
struct Ticker {
    ticks: AtomicU32,
}

impl Service for Ticker {
    const KIND: ServiceKind = ServiceKind::Scanner;
    const DEPENDENCIES: &'static [Dependency] = &[];
    const SCHEMA: Option<&'static str> = None;
    type Settings = NoSettings;

    async fn build(
        _resources: &Resources,
        _settings: &NoSettings,
        _setup: &mut Setup,
    ) -> Result<Self, RuntimeError> {
        Ok(Self {
            ticks: AtomicU32::new(0),
        })
    }

    fn workers(self: Arc<Self>, workers: &mut Workers) {
        workers.add("ticker", move |token| async move {
            self.ticks.fetch_add(1, Ordering::SeqCst);
            token.cancelled().await;
            Ok(())
        });
        workers.add("idle", |token| async move {
            token.cancelled().await;
            Ok(())
        });
    }

    fn routes(&self, config: &mut web::ServiceConfig) {
        config.service(web::resource("/v1/ticks").route(web::get().to(ticks)));
    }
}

async fn ticks(ticker: web::Data<Ticker>) -> HttpResponse {
    HttpResponse::Ok().body(ticker.ticks.load(Ordering::SeqCst).to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registered_worker_shares_the_state_the_handlers_see_and_stops_at_shutdown() {
    let context = TestContext::new().await.unwrap();
    let service = context.spawn::<Ticker>().await.unwrap();
    let url = format!("{}/v1/ticks", service.base_url());

    let mut seen = String::new();
    for _ in 0..50 {
        seen = reqwest::get(&url).await.unwrap().text().await.unwrap();
        if seen == "1" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let report = service.running.shutdown().await;

    assert_eq!(seen, "1", "the handler sees the tick the worker made");
    assert!(report.is_clean(), "{report:?}");
    let mut names: Vec<&str> = report.workers.iter().map(|w| w.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["idle", "ticker"]);
    assert!(
        report
            .workers
            .iter()
            .all(|worker| worker.outcome == WorkerOutcome::Completed)
    );
}
