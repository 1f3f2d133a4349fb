//! Backfill throughput on anvil: the listener's backfill of a range into PostgreSQL beside the
//! raw `eth_getLogs` fetch of the same range (the ceiling: no headers, no contract reads, no
//! decoding, no database), in blocks/s and logs/s.
//!
//! ```text
//! cargo run --release -p nexus-chain-listener --example backfill_bench [-- <log blocks> <empty blocks> <runs>]
//! ```
//!
//! Defaults: 400 blocks of five `Staked` logs each (five accounts), then 10,000 empty blocks,
//! and 5 runs over that one chain, each run the raw fetch and then a backfill into a fresh
//! database; every run is printed, then the minimum and median of each side and of the ratio
//! (each run's ratio pairs its two sides, measured a moment apart).
//! Needs what the tests need: PostgreSQL (`TEST_NEXUS_DATABASE_URL`) and anvil (`contracts/ci.sh`
//! installs it); each run takes a chain and a database of its own. The listener's number is the
//! follower's steps from the deployment block until it is caught up, as the `chain-follower`
//! worker runs them (ranges of `max_block_range` = 2,000 blocks, confirmation depth 0): head
//! polls, headers, logs, stake reads, decoding, projections, outbox rows and checkpoints, each
//! range in one transaction. The raw fetch reads the same range in the same 2,000-block requests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::time::{Duration, Instant};

use alloy::primitives::U256;
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::deploy::{NXS, confirm};
use nexus_chain_listener::follower::{Follower, Step};
use nexus_chain_listener::metrics::ChainListenerMetrics;
use nexus_chain_listener::settings::ChainListenerSettings;
use nexus_chain_listener::store::Store;
use nexus_testkit::TestContext;
use nexus_testkit::chain::TestChain;
use serde_json::Value;

/// The widest `eth_getLogs` range, for both sides.
const RANGE: u64 = 2_000;
/// Accounts staking in every log block (one `Staked` log each).
const STAKERS: usize = 5;

fn argument(position: usize, default: u64) -> u64 {
    std::env::args()
        .nth(position)
        .map(|text| text.parse().expect("a number of blocks"))
        .unwrap_or(default)
}

/// Mines `log_blocks` blocks of one `Staked` log per staker, then `empty_blocks` empty ones.
async fn build_range(chain: &TestChain, log_blocks: u64, empty_blocks: u64) {
    let mut stakers = Vec::new();
    for _ in 0..STAKERS {
        let account = chain.account().await.unwrap();
        let token = ReputationToken::new(
            chain.deployment().reputation_token,
            account.provider(chain).unwrap(),
        );
        let pending = token.faucet(U256::from(NXS)).send().await.unwrap();
        confirm(chain.provider(), pending).await.unwrap();
        let nonce = chain
            .provider()
            .get_transaction_count(account.address)
            .await
            .unwrap();
        stakers.push((token, nonce));
    }
    let _: Value = chain
        .rpc("evm_setAutomine", serde_json::json!([false]))
        .await
        .unwrap();
    for _ in 0..log_blocks {
        for (token, nonce) in &mut stakers {
            // Not awaited to a receipt: the block is mined below, with the other stakes.
            let _pending = token
                .stake(U256::from(1))
                .nonce(*nonce)
                .gas(200_000)
                .send()
                .await
                .unwrap();
            *nonce += 1;
        }
        let _: Value = chain.rpc("evm_mine", serde_json::json!([])).await.unwrap();
    }
    let _: Value = chain
        .rpc("evm_setAutomine", serde_json::json!([true]))
        .await
        .unwrap();
    chain.mine(empty_blocks).await.unwrap();
}

/// The raw fetch: every log of the four contracts from `from` to `to`, `RANGE` blocks a request.
async fn raw_fetch(chain: &TestChain, from: u64, to: u64) -> (usize, Duration) {
    let deployment = chain.deployment();
    let filter = Filter::new().address(vec![
        deployment.bounty,
        deployment.reputation_token,
        deployment.governance,
        deployment.timelock,
    ]);
    let started = Instant::now();
    let mut logs = 0;
    let mut start = from;
    while start <= to {
        let end = (start + RANGE - 1).min(to);
        logs += chain
            .provider()
            .get_logs(&filter.clone().from_block(start).to_block(end))
            .await
            .unwrap()
            .len();
        start = end + 1;
    }
    (logs, started.elapsed())
}

/// The listener's backfill from the deployment block until caught up; returns the logs and
/// events it stored.
async fn backfill(chain: &TestChain, context: &TestContext) -> (i64, i64, Duration) {
    let mut chain_settings = chain.settings();
    chain_settings.confirmations = 0;
    let settings = ChainListenerSettings {
        chain: chain_settings,
        poll_interval: Duration::from_millis(100),
        max_block_range: RANGE,
        max_reorg_depth: 64,
        max_retry_backoff: Duration::from_secs(1),
    };
    let store = Store::new(context.database.pool.clone()).unwrap();
    let metrics =
        ChainListenerMetrics::register(&mut prometheus_client::registry::Registry::default());
    let follower = Follower::new(&settings);
    let started = Instant::now();
    loop {
        match follower.step(&store, &metrics).await.unwrap() {
            Step::Progressed => {}
            Step::CaughtUp => break,
            Step::Halted => panic!("halted: {:?}", follower.state().halted),
        }
    }
    let elapsed = started.elapsed();
    let pool = &context.database.pool;
    let logs: i64 = sqlx::query_scalar("SELECT count(*) FROM chain.logs")
        .fetch_one(pool)
        .await
        .unwrap();
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM chain.outbox")
        .fetch_one(pool)
        .await
        .unwrap();
    (logs, events, elapsed)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    }
}

fn minimum(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let log_blocks = argument(1, 400);
    let empty_blocks = argument(2, 10_000);
    let runs = argument(3, 5).max(1);
    let chain = TestChain::private().await.unwrap();
    build_range(&chain, log_blocks, empty_blocks).await;
    let from = chain.deployment().block_number;
    let to = chain.provider().get_block_number().await.unwrap();
    let blocks = (to - from + 1) as f64;
    println!(
        "range: blocks {from}..={to} ({blocks} blocks; {log_blocks} with {STAKERS} Staked logs each)"
    );

    let rate = |count: f64, seconds: f64| count / seconds;
    let staked = (log_blocks * STAKERS as u64) as i64;
    let (mut raws, mut listeners, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    let mut raw_logs = 0;
    for run in 1..=runs {
        let (logs_read, raw) = raw_fetch(&chain, from, to).await;
        raw_logs = logs_read;
        let context = TestContext::new().await.unwrap();
        let (logs, events, listener) = backfill(&chain, &context).await;
        assert!(
            logs >= staked,
            "{logs} logs stored, {staked} Staked logs sent"
        );
        let (raw, listener) = (raw.as_secs_f64(), listener.as_secs_f64());
        // Logs/s over the same logs as the raw fetch (it also returns the faucet's transfers'
        // logs, which the listener reads and skips).
        println!(
            "run {run}: raw eth_getLogs {raw_logs} logs in {raw:.3} s; listener {raw_logs} logs \
             read, {logs} stored, {events} events in {listener:.3} s; listener/raw {:.2}",
            raw / listener
        );
        raws.push(raw);
        listeners.push(listener);
        ratios.push(raw / listener);
    }
    for (name, times) in [
        ("raw eth_getLogs", &raws),
        ("listener backfill", &listeners),
    ] {
        let (best, middle) = (minimum(times), median(times.clone()));
        println!(
            "{name}: min {best:.3} s = {:.0} blocks/s, {:.0} logs/s; median {middle:.3} s = \
             {:.0} blocks/s, {:.0} logs/s",
            rate(blocks, best),
            rate(raw_logs as f64, best),
            rate(blocks, middle),
            rate(raw_logs as f64, middle)
        );
    }
    println!(
        "listener/raw over {runs} runs: median {:.2}, best {:.2}, worst {:.2}",
        median(ratios.clone()),
        ratios.iter().copied().fold(0.0, f64::max),
        minimum(&ratios)
    );
}
