//! One follower among replicas: of two listeners on one database, only the holder of the
//! follower lease reads the chain; the other waits as a standby, takes over when the holder
//! stops, and every event is published exactly once.

use std::collections::HashSet;
use std::time::Duration;

use nexus_testkit::TestService;

use crate::chain::{mine, private_chain, stake};
use crate::helpers::{TestApp, eventually, outbox, settings_for};

const LIMIT: Duration = Duration::from_secs(60);

async fn metric(service: &TestService, name: &str) -> f64 {
    service.metric(&format!("{name} ")).await.unwrap()
}

/// The `Staked` events in the outbox once there are `count` of them, each from a different log.
async fn staked_events(app: &TestApp, count: usize) {
    let staked = eventually("the Staked events", LIMIT, || async {
        let staked: Vec<_> = outbox(&app.context)
            .await
            .into_iter()
            .filter(|(_, name, _)| name == "Staked")
            .collect();
        (staked.len() >= count).then_some(staked)
    })
    .await;
    assert_eq!(staked.len(), count, "{staked:?}");
    let logs: HashSet<String> = staked
        .iter()
        .map(|(_, _, payload)| payload["log"].to_string())
        .collect();
    assert_eq!(logs.len(), count, "one event per log: {staked:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_replicas_only_the_lease_holder_follows_and_the_standby_takes_over() {
    let chain = private_chain().await;
    let settings = settings_for(&chain, 0, 64);
    let first = TestApp::on_chain(settings.clone()).await;
    eventually("the first replica to hold the lease", LIMIT, || async {
        (metric(&first.service, "nexus_chain_follower_lease").await == 1.0).then_some(())
    })
    .await;
    let second = TestApp::start(&first.context, settings).await;

    stake(&chain, 100).await;
    stake(&chain, 200).await;
    mine(&chain, 1).await;
    staked_events(&first, 2).await;
    // The standby has tried the lease every poll since it started, and read nothing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        metric(&second, "nexus_chain_follower_lease").await,
        0.0,
        "the standby does not hold the lease"
    );
    assert_eq!(metric(&second, "nexus_chain_blocks_total").await, 0.0);
    assert!(metric(&first.service, "nexus_chain_blocks_total").await > 0.0);
    let holders = sqlx::query_scalar!(
        r#"SELECT count(*) AS "holders!" FROM pg_locks
           WHERE locktype = 'advisory' AND granted AND database =
           (SELECT oid FROM pg_database WHERE datname = current_database())"#
    )
    .fetch_one(&first.context.database.pool)
    .await
    .unwrap();
    assert_eq!(holders, 1, "one session holds the follower lease");

    // The holder stops (its session ends); the standby takes the lease and goes on from the
    // stored checkpoint: the next stake is published once, the earlier ones not again.
    let TestApp { service, context } = first;
    let report = service.running.shutdown().await;
    assert!(report.is_clean(), "{report:?}");
    stake(&chain, 300).await;
    mine(&chain, 1).await;
    let app = TestApp {
        service: second,
        context,
    };
    eventually("the standby to take the lease", LIMIT, || async {
        (metric(&app.service, "nexus_chain_follower_lease").await == 1.0).then_some(())
    })
    .await;
    staked_events(&app, 3).await;
    assert!(metric(&app.service, "nexus_chain_blocks_total").await > 0.0);
    app.stop().await;
}
