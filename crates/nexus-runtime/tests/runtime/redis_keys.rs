//! Real Redis key names: streams read `nexus:<area>:<what>:v1` once (they read
//! `nexus:nexus:...` while the default prefix was `nexus:` too), a service's own keys live in
//! `nexus:<namespace>:`, and a deployment prefix goes in front of both.

use nexus_bus::{Bus, BusSettings, RedisKeys};
use nexus_proto::analysis::AnalysisRequested;
use nexus_proto::{Envelope, Event};
use nexus_runtime::RuntimeSettings;
use nexus_testkit::TestContext;

#[test]
fn with_the_default_settings_keys_carry_nexus_once() {
    let keys = RedisKeys::new(RuntimeSettings::default().redis.key_prefix);

    assert_eq!(
        keys.stream(AnalysisRequested::STREAM),
        "nexus:analysis:jobs:v1"
    );
    assert_eq!(
        keys.stream(nexus_runtime::revocation::ACCOUNT_MARKS_KEY),
        "nexus:auth:revocations:accounts"
    );
    assert_eq!(
        keys.namespace("user").key("siwe:0123"),
        "nexus:user:siwe:0123"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_event_lands_on_its_stream_key_under_the_deployment_prefix() {
    let context = TestContext::new().await.unwrap();
    let bus = Bus::connect(
        &context.redis_url,
        context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap();

    bus.publish(&Envelope::new(AnalysisRequested {
        analysis_id: uuid::Uuid::now_v7(),
        sha256: "0".repeat(64).parse().unwrap(),
    }))
    .await
    .unwrap();

    let prefix = &context.redis_prefix;
    let mut connection = bus.connection();
    let exists = |key: String| {
        let mut connection = connection.clone();
        async move {
            redis::cmd("EXISTS")
                .arg(key)
                .query_async::<i64>(&mut connection)
                .await
                .unwrap()
        }
    };
    assert_eq!(exists(format!("{prefix}nexus:analysis:jobs:v1")).await, 1);
    assert_eq!(
        exists(format!("{prefix}nexus:nexus:analysis:jobs:v1")).await,
        0
    );
    let _: () = redis::cmd("DEL")
        .arg(format!("{prefix}nexus:analysis:jobs:v1"))
        .query_async(&mut connection)
        .await
        .unwrap();
}
