//! Every process decides with the published Cedar policies: shipped ones first, the auth
//! service's published set once fetched, and a new set as soon as a `PoliciesPublished` event
//! arrives over pub/sub.

use std::time::Duration;

use nexus_bus::{Bus, BusSettings};
use nexus_policy::PolicySource;
use nexus_proto::Envelope;
use nexus_proto::auth::PoliciesPublished;
use nexus_runtime::policy_sync::ACTIVE_POLICIES_PATH;
use nexus_testkit::TestContext;

use crate::document_server::DocumentServer;
use crate::probe::{Probe, ProbeSettings};

fn active(version: i64, sources: &[PolicySource]) -> serde_json::Value {
    serde_json::json!({
        "version": version,
        "digest": format!("digest-{version}"),
        "sources": sources,
    })
}

async fn revision_becomes(base_url: &str, expected: i64) -> i64 {
    let mut seen = -1;
    for _ in 0..100 {
        seen = reqwest::get(format!("{base_url}/v1/policy-revision"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .parse()
            .unwrap();
        if seen == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_policies_are_fetched_at_start_and_reloaded_on_the_event() {
    let context = TestContext::new().await.unwrap();
    let shipped = PolicySource::shipped();
    let auth = DocumentServer::start(ACTIVE_POLICIES_PATH, active(1, &shipped));
    let mut settings = context.settings::<ProbeSettings>();
    settings.runtime.policies.auth_url = Some(auth.base_url.parse().unwrap());
    // Long enough that only the event can explain a reload within the test.
    settings.runtime.policies.resync_interval = Duration::from_secs(3600);
    let service = context.spawn_with::<Probe>(settings).await.unwrap();

    assert_eq!(revision_becomes(&service.base_url(), 1).await, 1);

    // A broken set is refused: the process keeps deciding with the last good one.
    auth.set(active(
        2,
        &[PolicySource::new("broken.cedar", "permit(principal")],
    ));
    let bus = Bus::connect(
        &context.redis_url,
        context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap();
    let event = |version: i64| {
        Envelope::new(PoliciesPublished {
            version,
            digest: format!("digest-{version}"),
        })
    };
    bus.publish(&event(2)).await.unwrap();
    let fetches = auth.fetch_count();
    for _ in 0..100 {
        if auth.fetch_count() > fetches {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(auth.fetch_count() > fetches, "the event triggers a fetch");
    assert_eq!(revision_becomes(&service.base_url(), 1).await, 1);

    auth.set(active(3, &shipped));
    bus.publish(&event(3)).await.unwrap();
    assert_eq!(revision_becomes(&service.base_url(), 3).await, 3);

    service.running.shutdown().await;
    auth.handle.stop(true).await;
}
