//! The chain fixture against real anvil: the deployed state is loaded (not redeployed), accounts
//! are funded and apart, time moves, snapshots revert, a private node stops and restarts with
//! its state, and no anvil outlives its owner.
//!
//! Built with the `chain` feature only (`cargo nextest run -p nexus-testkit --features chain`;
//! the workspace run enables it through nexus-chain's tests).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod node;
mod ready;

use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::providers::Provider;
use nexus_chain::bindings::token::ReputationToken;
use nexus_testkit::chain::{ACCOUNT_ETH, NXS, TestChain};

/// The contracts are there on first use, at the addresses the deployments file names, and
/// their wiring is the deploy tool's (the bounty contract may slash, the arbiter arbitrates).
#[tokio::test]
async fn the_shared_chain_starts_with_the_contracts_deployed_and_wired() {
    let started = Instant::now();
    let chain = TestChain::shared().await.unwrap();
    eprintln!("shared chain ready in {:?}", started.elapsed());

    let deployment = chain.deployment();
    assert_eq!(deployment.chain_id, 31_337);
    assert_eq!(chain.provider().get_chain_id().await.unwrap(), 31_337);
    for (name, address) in [
        ("token", deployment.reputation_token),
        ("timelock", deployment.timelock),
        ("governance", deployment.governance),
        ("bounty", deployment.bounty),
    ] {
        let code = chain.provider().get_code_at(address).await.unwrap();
        assert!(!code.is_empty(), "{name} at {address} has no code");
    }
    assert_eq!(
        nexus_chain::deploy::Deployment::read(chain.deployment_file()).unwrap(),
        *deployment
    );
    let token = chain.token();
    let slasher = alloy::primitives::keccak256("SLASHER_ROLE");
    assert!(
        token
            .hasRole(slasher, deployment.bounty)
            .call()
            .await
            .unwrap()
    );
    let arbiter_role = alloy::primitives::keccak256("ARBITER_ROLE");
    assert!(
        chain
            .bounty()
            .hasRole(arbiter_role, chain.arbiter())
            .call()
            .await
            .unwrap()
    );
    assert_eq!(
        chain.bounty().params().call().await.unwrap().treasury,
        chain.treasury()
    );
    // A second handle is the same node, not another deployment.
    let again = TestChain::shared().await.unwrap();
    assert_eq!(again.url(), chain.url());
    assert_eq!(again.deployment(), chain.deployment());
}

/// Each funded account is a fresh key with its own ETH and NXS, and signs its own transfers.
#[tokio::test]
async fn funded_accounts_are_fresh_keys_that_sign_their_own_transactions() {
    let chain = TestChain::shared().await.unwrap();
    let (alice, bob) = (
        chain.funded_account(500 * NXS).await.unwrap(),
        chain.account().await.unwrap(),
    );
    assert_ne!(alice.address, bob.address);
    assert!(!chain.dev_accounts().contains(&alice.address));
    let provider = chain.provider();
    assert_eq!(
        provider.get_balance(alice.address).await.unwrap(),
        U256::from(ACCOUNT_ETH)
    );
    assert_eq!(
        chain.nxs_balance(alice.address).await.unwrap(),
        U256::from(500 * NXS)
    );
    assert_eq!(chain.nxs_balance(bob.address).await.unwrap(), U256::ZERO);

    let token = ReputationToken::new(
        chain.deployment().reputation_token,
        alice.provider(&chain).unwrap(),
    );
    let pending = token
        .transfer(bob.address, U256::from(200 * NXS))
        .send()
        .await
        .unwrap();
    nexus_chain::deploy::confirm(provider, pending)
        .await
        .unwrap();
    assert_eq!(
        chain.nxs_balance(bob.address).await.unwrap(),
        U256::from(200 * NXS)
    );
    assert_eq!(
        chain.nxs_balance(alice.address).await.unwrap(),
        U256::from(300 * NXS)
    );
}

/// Concurrent funding from one process does not trip over the deployer's nonce.
#[tokio::test]
async fn accounts_funded_concurrently_all_receive_their_tokens() {
    let chain = TestChain::shared().await.unwrap();
    let accounts = futures_util::future::join_all((1..=8u128).map(|index| {
        let chain = &chain;
        async move { (index, chain.funded_account(index * NXS).await.unwrap()) }
    }))
    .await;
    for (index, account) in accounts {
        assert_eq!(
            chain.nxs_balance(account.address).await.unwrap(),
            U256::from(index * NXS)
        );
    }
}

/// `advance` moves the chain's clock by at least the duration and mines; `mine` adds blocks.
#[tokio::test]
async fn time_moves_forward_and_blocks_are_mined_on_demand() {
    let chain = TestChain::private().await.unwrap();
    let before = chain.now().await.unwrap();
    let height = chain.block_number().await.unwrap();
    chain
        .advance(Duration::from_secs(3 * 86_400))
        .await
        .unwrap();
    let after = chain.now().await.unwrap();
    assert!(after >= before + 3 * 86_400, "{before} -> {after}");
    assert!(after < before + 3 * 86_400 + 60, "{before} -> {after}");
    assert_eq!(chain.block_number().await.unwrap(), height + 1);
    chain.mine(25).await.unwrap();
    assert_eq!(chain.block_number().await.unwrap(), height + 26);
}

/// A revert undoes balances, blocks and time; a used snapshot is refused; funding goes on.
#[tokio::test]
async fn a_snapshot_reverts_balances_blocks_and_time() {
    let chain = TestChain::private().await.unwrap();
    let account = chain.account().await.unwrap();
    let snapshot = chain.snapshot().await.unwrap();
    let (height, time) = (
        chain.block_number().await.unwrap(),
        chain.now().await.unwrap(),
    );
    chain.mint_nxs(account.address, 7 * NXS).await.unwrap();
    chain.advance(Duration::from_secs(86_400)).await.unwrap();
    assert_eq!(
        chain.nxs_balance(account.address).await.unwrap(),
        U256::from(7 * NXS)
    );

    chain.revert(snapshot).await.unwrap();
    assert_eq!(
        chain.nxs_balance(account.address).await.unwrap(),
        U256::ZERO
    );
    assert_eq!(chain.block_number().await.unwrap(), height);
    assert!(chain.now().await.unwrap() < time + 86_400);
    assert!(
        chain.revert(snapshot).await.is_err(),
        "a snapshot reverts once"
    );
    // The deployer's nonce went back with the chain: minting again must not reuse the nonce
    // the provider cached before the revert (the transaction would wait for a gap forever).
    tokio::time::timeout(
        Duration::from_secs(20),
        chain.mint_nxs(account.address, 2 * NXS),
    )
    .await
    .expect("minting after a revert does not hang")
    .unwrap();
    assert_eq!(
        chain.nxs_balance(account.address).await.unwrap(),
        U256::from(2 * NXS)
    );
}

/// The settings a service under test gets name this chain and pass validation.
#[tokio::test]
async fn the_settings_for_a_service_name_this_chain() {
    let chain = TestChain::shared().await.unwrap();
    let settings = chain.settings();
    assert_eq!(settings.expose_rpc_url(), chain.url());
    assert_eq!(settings.chain_id, Some(31_337));
    assert_eq!(settings.deployment_file, chain.deployment_file());
    let mut problems = Vec::new();
    settings.validate_at("bounty.chain", &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    // Nobody holds the treasury's key: it is not one of the dev accounts.
    assert!(!chain.dev_accounts().contains(&chain.treasury()));
    assert_ne!(chain.treasury(), Address::ZERO);
}
