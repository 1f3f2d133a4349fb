//! The follower against a real chain (anvil): confirmed logs become events exactly once, reorgs
//! within the confirmation depth publish nothing, deeper ones are compensated exactly, one beyond
//! the maximum halts with `/ready` 503 and changes nothing, and a listener stopped mid-backfill
//! resumes without losing or repeating an event.

use std::collections::HashSet;
use std::time::Duration;

use nexus_chain::deploy::NXS;
use nexus_chain_listener::domain::decode::address_hex;
use serde_json::Value;

use crate::chain::{head, mine, open_bounty, private_chain, stake};
use crate::helpers::{TestApp, eventually, outbox, settings_for};

const LIMIT: Duration = Duration::from_secs(60);

fn named<'a>(
    events: &'a [(uuid::Uuid, String, Value)],
    name: &str,
) -> Vec<&'a (uuid::Uuid, String, Value)> {
    events.iter().filter(|(_, n, _)| n == name).collect()
}

async fn status(app: &TestApp) -> Value {
    reqwest::get(app.url("/v1/chain/status"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Waits until the listener has read up to at least `block`.
async fn caught_up(app: &TestApp, block: u64) {
    eventually("the listener to catch up", LIMIT, || async {
        let status = status(app).await;
        let read = status["head"].as_u64()? - status["lag_blocks"].as_u64()?;
        (read >= block).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmed_logs_become_events_once_and_the_read_api_serves_them() {
    let chain = private_chain().await;
    let app = TestApp::on_chain(settings_for(&chain, 1, 64)).await;
    let (analyst, _) = stake(&chain, 250).await;
    let analyst = analyst.address;
    open_bounty(&chain).await;
    mine(&chain, 1).await;
    let head = head(&chain).await;
    caught_up(&app, head - 1).await;

    let events = app.events().await;
    let staked = named(&events, "Staked");
    assert_eq!(staked.len(), 1, "{events:?}");
    let payload = &staked[0].2;
    assert_eq!(payload["account"], address_hex(analyst));
    assert_eq!(payload["amount"], (250 * NXS).to_string());
    assert_eq!(payload["log"]["chain_id"], 31337);
    let opened = named(&events, "BountyOpened");
    assert_eq!(opened.len(), 1, "{events:?}");
    assert_eq!(opened[0].2["bounty_id"], 1);
    assert_eq!(opened[0].2["reward"], (1_000 * NXS).to_string());

    // A guest reads the status, the parameters and accounts.
    let status = status(&app).await;
    assert_eq!(status["confirmation_depth"], 1);
    assert!(status["halted"].is_null());
    let parameters: Value = reqwest::get(app.url("/v1/chain/parameters"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = parameters["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|parameter| parameter["name"].as_str())
        .collect();
    assert!(names.contains(&"bounty.fee_bps") && names.contains(&"token.unstake_cooldown"));
    let account: Value = reqwest::get(app.url(&format!("/v1/chain/accounts/{analyst}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(account["staked"], (250 * NXS).to_string());
    assert_eq!(account["source"], "projection");
    let stranger = chain.account().await.unwrap().address;
    let account: Value = reqwest::get(app.url(&format!("/v1/chain/accounts/{stranger}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (account["staked"].as_str(), account["source"].as_str()),
        (Some("0"), Some("chain"))
    );
    let refused = reqwest::get(app.url("/v1/chain/accounts/0x12"))
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "invalid_address");

    // Another pass over the same blocks (a restart from scratch is not needed: the keys make a
    // replay a no-op) publishes nothing new.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.events().await.len(), events.len());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorg_within_the_confirmation_depth_never_emits_an_event() {
    let chain = private_chain().await;
    let app = TestApp::on_chain(settings_for(&chain, 4, 64)).await;
    // Until the deployment block is 4 deep nothing is confirmed, so nothing is read.
    mine(&chain, 5).await;
    caught_up(&app, head(&chain).await - 4).await;
    let snapshot = chain.snapshot().await.unwrap();
    let (_, block) = stake(&chain, 10).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    chain.revert(snapshot).await.unwrap();
    mine(&chain, 8).await;
    caught_up(&app, block + 2).await;
    let events = app.events().await;
    assert!(named(&events, "Staked").is_empty(), "{events:?}");
    assert!(
        named(&events, "ChainEventsRetracted").is_empty(),
        "{events:?}"
    );
    assert!(status(&app).await["last_reorg"].is_null());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorg_beyond_the_confirmation_depth_is_compensated_exactly() {
    let chain = private_chain().await;
    let app = TestApp::on_chain(settings_for(&chain, 0, 64)).await;
    caught_up(&app, head(&chain).await).await;
    let before = app.events().await.len();
    let snapshot = chain.snapshot().await.unwrap();
    stake(&chain, 10).await;
    stake(&chain, 20).await;
    let orphaned: Vec<uuid::Uuid> = eventually("both stakes published", LIMIT, || async {
        let events = app.events().await;
        let staked: Vec<uuid::Uuid> = named(&events, "Staked")
            .iter()
            .map(|(id, ..)| *id)
            .collect();
        (staked.len() == 2).then_some(staked)
    })
    .await;
    chain.revert(snapshot).await.unwrap();
    mine(&chain, 6).await;
    let retracted = eventually("the retraction", LIMIT, || async {
        let events = app.events().await;
        named(&events, "ChainEventsRetracted")
            .first()
            .map(|(_, _, payload)| payload.clone())
    })
    .await;
    let ids: Vec<uuid::Uuid> = retracted["retracted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["envelope_id"].as_str().unwrap().parse().unwrap())
        .collect();
    // Newest first: exactly the two published stakes, nothing else.
    assert_eq!(ids, vec![orphaned[1], orphaned[0]]);
    caught_up(&app, head(&chain).await).await;
    let events = app.events().await;
    assert_eq!(events.len(), before + 3, "{events:?}");
    let status = status(&app).await;
    assert_eq!(status["last_reorg"]["retracted_events"], 2);

    // The new branch's logs are published as usual.
    stake(&chain, 30).await;
    eventually("the new branch's stake", LIMIT, || async {
        let events = app.events().await;
        (named(&events, "Staked").len() == 3).then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reorg_beyond_the_maximum_halts_ingestion_and_changes_nothing() {
    let chain = private_chain().await;
    let app = TestApp::on_chain(settings_for(&chain, 0, 2)).await;
    caught_up(&app, head(&chain).await).await;
    let snapshot = chain.snapshot().await.unwrap();
    for _ in 0..3 {
        stake(&chain, 10).await;
        caught_up(&app, head(&chain).await).await;
    }
    let events_before = app.events().await;
    assert_eq!(named(&events_before, "Staked").len(), 3);
    chain.revert(snapshot).await.unwrap();
    mine(&chain, 10).await;
    let ready = eventually("/ready to turn 503", LIMIT, || async {
        let response = reqwest::get(app.url("/ready")).await.ok()?;
        (response.status() == 503).then_some(())?;
        response.text().await.ok()
    })
    .await;
    assert!(ready.contains("ingestion halted"), "{ready}");
    assert!(
        status(&app).await["halted"]
            .as_str()
            .unwrap()
            .contains("deeper than 2 blocks")
    );
    let halted = app.service.metric("nexus_chain_halted ").await.unwrap();
    assert_eq!(halted, 1.0);
    // Nothing was changed: the events (and the logs behind them) are as they were.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.events().await, events_before);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_stopped_mid_backfill_resumes_without_losing_or_repeating_an_event() {
    let chain = private_chain().await;
    let stakes = 24;
    for _ in 0..stakes {
        stake(&chain, 1).await;
    }
    let head = head(&chain).await;
    let mut settings = settings_for(&chain, 0, 64);
    settings.max_block_range = 1; // many small transactions, so the stop lands mid-backfill
    let app = TestApp::on_chain(settings.clone()).await;
    eventually("a few events", LIMIT, || async {
        (named(&app.events().await, "Staked").len() >= 3).then_some(())
    })
    .await;
    let TestApp { service, context } = app;
    let report = service.running.shutdown().await;
    assert!(report.is_clean(), "{report:?}");
    let partial = named(&outbox(&context).await, "Staked").len();
    assert!(
        partial < stakes,
        "the first run finished the backfill ({partial})"
    );

    settings.max_block_range = 5;
    let app = TestApp {
        service: TestApp::start(&context, settings).await,
        context,
    };
    caught_up(&app, head).await;
    let events = app.events().await;
    let staked = named(&events, "Staked");
    assert_eq!(staked.len(), stakes, "{events:?}");
    let positions: HashSet<(String, u64)> = staked
        .iter()
        .map(|(_, _, payload)| {
            (
                payload["log"]["block_hash"].as_str().unwrap().to_owned(),
                payload["log"]["log_index"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(positions.len(), stakes, "an event was published twice");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_reachable_chain_the_service_stays_up_and_ready_says_why() {
    let chain = private_chain().await;
    let mut settings = settings_for(&chain, 0, 64);
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    settings.chain = nexus_chain::settings::ChainSettings::new(
        &format!("http://127.0.0.1:{port}"),
        chain.deployment_file(),
    );
    let app = TestApp::on_chain(settings).await;
    let health = reqwest::get(app.url("/health")).await.unwrap();
    assert_eq!(health.status(), 200);
    let ready = reqwest::get(app.url("/ready")).await.unwrap();
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    let chain_check = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "chain")
        .cloned()
        .unwrap();
    assert!(chain_check["error"].is_string(), "{body}");
    let status = reqwest::get(app.url("/v1/chain/status")).await.unwrap();
    assert_eq!(status.status(), 503);
    let body: Value = status.json().await.unwrap();
    assert_eq!(body["code"], "chain_unavailable");
    eventually("an RPC error counted", LIMIT, || async {
        let errors = app
            .service
            .metric("nexus_chain_rpc_errors_total ")
            .await
            .ok()?;
        (errors >= 1.0).then_some(())
    })
    .await;
    app.stop().await;
}
