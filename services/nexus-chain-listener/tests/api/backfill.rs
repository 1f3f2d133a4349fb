//! The backfill benchmark (ignored by default; docs/CHAIN_LISTENER.md, "Backfill benchmark"):
//! anvil gets `NEXUS_BENCH_LOG_BLOCKS` blocks (20 by default) of five `Staked` logs each, then
//! `NEXUS_BENCH_EMPTY_BLOCKS` empty blocks (2,000); a fresh listener backfills the whole range and
//! the test prints blocks/s and logs/s beside the raw `eth_getLogs` fetch of the same range in the
//! same 2,000-block requests (the ceiling: no decoding, no contract reads, no database).
//!
//! Run: `cargo nextest run -p nexus-chain-listener --run-ignored only backfill --no-capture`.

use std::time::{Duration, Instant};

use alloy::primitives::U256;
use alloy::providers::Provider;
use alloy::rpc::types::Filter;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::deploy::{NXS, confirm};
use serde_json::Value;

use crate::chain::{head, private_chain};
use crate::helpers::{TestApp, eventually, settings_for};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run it on purpose (see the module docs)"]
async fn backfill() {
    let log_blocks = setting("NEXUS_BENCH_LOG_BLOCKS", 20);
    let empty_blocks = setting("NEXUS_BENCH_EMPTY_BLOCKS", 2_000);
    let chain = private_chain().await;
    let start = head(&chain).await;

    // Five stakers, each with NXS to stake one wei at a time.
    let mut stakers = Vec::new();
    for _ in 0..5 {
        let account = chain.account().await.unwrap();
        let token = ReputationToken::new(
            chain.deployment().reputation_token,
            account.provider(&chain).unwrap(),
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
    // Blocks of five logs: automine off, five transactions, one block.
    let _: Value = chain
        .rpc("evm_setAutomine", serde_json::json!([false]))
        .await
        .unwrap();
    for _ in 0..log_blocks {
        for (token, nonce) in &mut stakers {
            // Not awaited to a receipt: the block is mined below, with the other four.
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
    let end = head(&chain).await;
    let blocks = end - start;
    eprintln!("chain ready: blocks {start}..={end}");

    // The ceiling: the raw fetch of the same range, 2,000 blocks a request.
    let filter = Filter::new().address(vec![
        chain.deployment().bounty,
        chain.deployment().reputation_token,
        chain.deployment().governance,
        chain.deployment().timelock,
    ]);
    let fetch = Instant::now();
    let mut raw_logs = 0;
    let mut from = chain.deployment().block_number;
    while from <= end {
        let to = (from + 1_999).min(end);
        raw_logs += chain
            .provider()
            .get_logs(&filter.clone().from_block(from).to_block(to))
            .await
            .unwrap()
            .len();
        from = to + 1;
    }
    let raw = fetch.elapsed();

    // The listener from scratch over the same range.
    let backfill = Instant::now();
    let app = TestApp::on_chain(settings_for(&chain, 0, 64)).await;
    eventually("the backfill", Duration::from_secs(600), || async {
        let status: Value = reqwest::get(app.url("/v1/chain/status"))
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        (status["lag_blocks"].as_u64()? == 0).then_some(())
    })
    .await;
    let listener = backfill.elapsed();
    let logs = app.service.metric("nexus_chain_logs_total ").await.unwrap();
    let staked = log_blocks * 5;
    assert!(
        logs >= staked as f64,
        "{logs} logs stored, {staked} Staked logs sent"
    );

    let per_second = |count: f64, elapsed: Duration| count / elapsed.as_secs_f64();
    eprintln!(
        "backfill of {blocks} blocks ({log_blocks} with 5 Staked logs each): listener {:.2}s = \
         {:.0} blocks/s, {:.0} logs/s ({logs} logs stored); raw eth_getLogs {:.2}s = {:.0} \
         blocks/s, {:.0} logs/s ({raw_logs} logs); listener/raw = {:.2}",
        listener.as_secs_f64(),
        per_second(blocks as f64, listener),
        per_second(logs, listener),
        raw.as_secs_f64(),
        per_second(blocks as f64, raw),
        per_second(raw_logs as f64, raw),
        raw.as_secs_f64() / listener.as_secs_f64(),
    );
    app.stop().await;
}
