//! What the follower tests do on the chain, on nexus-testkit's chain fixture: a private anvil
//! per test (it is rewound with `evm_snapshot`/`evm_revert`), contracts deployed, fresh funded
//! accounts.

use alloy::primitives::{Address, B256, U256};
use alloy::providers::Provider;
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::commitment::{SealedAssertion, commitment};
use nexus_chain::deploy::{NXS, confirm};
use nexus_testkit::chain::{TestAccount, TestChain};

/// Gas limit of the faucet and stake calls, well above what either needs.
const STAKE_GAS: u64 = 300_000;

/// A private chain with the contracts deployed.
pub async fn private_chain() -> TestChain {
    TestChain::private().await.expect("a private anvil")
}

/// A fresh account that takes `nxs` NXS from the local faucet and stakes it: one `Staked` log.
/// Returns it and the block. The account pays for its own NXS (not the deployer's mint): after
/// an `evm_revert` the deployer's cached nonce is ahead of the rewound chain.
pub async fn stake(chain: &TestChain, nxs: u128) -> (TestAccount, u64) {
    let amount = U256::from(nxs * NXS);
    let account = chain.account().await.unwrap();
    let token = ReputationToken::new(
        chain.deployment().reputation_token,
        account.provider(chain).unwrap(),
    );
    // Fixed gas limits, not estimates: the token's votes clock is the block timestamp, so a call
    // estimated within the second of the previous block and mined a second later pushes a new
    // checkpoint and runs out of the estimated gas (reverted; seen under load). See nexus-testkit's
    // MINT_GAS.
    let pending = token.faucet(amount).gas(STAKE_GAS).send().await.unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    let pending = token.stake(amount).gas(STAKE_GAS).send().await.unwrap();
    let receipt = confirm(chain.provider(), pending).await.unwrap();
    (account, receipt.block_number.unwrap())
}

/// A fresh account opens a bounty with a 1,000 NXS reward: one `BountyCreated` log. Returns the
/// creator and the bounty id.
pub async fn open_bounty(chain: &TestChain) -> (Address, U256) {
    let reward = 1_000 * NXS;
    let creator = chain.funded_account(reward).await.unwrap();
    let provider = creator.provider(chain).unwrap();
    let token = ReputationToken::new(chain.deployment().reputation_token, provider.clone());
    let bounty = BountyContract::new(chain.deployment().bounty, provider.clone());
    let pending = token
        .approve(chain.deployment().bounty, U256::from(reward))
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    let params = bounty.params().call().await.unwrap();
    let request = BountyContract::CreateBountyRequest {
        artifactHash: B256::repeat_byte(0x5a),
        kind: 0,
        reward,
        minStake: params.minAssertionStake,
        assertionDeadline: chain.now().await.unwrap() + params.minCommitWindow + 60,
    };
    let pending = bounty
        .createBounty(request, no_permit())
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    (creator.address, bounty.bountyCount().call().await.unwrap())
}

/// "No permit": the caller approved beforehand.
pub fn no_permit() -> BountyContract::PermitSignature {
    BountyContract::PermitSignature {
        deadline: U256::ZERO,
        v: 0,
        r: B256::ZERO,
        s: B256::ZERO,
    }
}

/// `analyst` (qualified by a stake) commits `assertion` on `bounty_id` with `nxs` NXS at stake,
/// taken from the local faucet.
pub async fn commit(
    chain: &TestChain,
    analyst: &TestAccount,
    bounty_id: U256,
    assertion: &SealedAssertion,
    nxs: u128,
) {
    let provider = analyst.provider(chain).unwrap();
    let token = ReputationToken::new(chain.deployment().reputation_token, provider.clone());
    let bounty = BountyContract::new(chain.deployment().bounty, provider);
    let amount = nxs * NXS;
    let pending = token.faucet(U256::from(amount)).send().await.unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    let pending = token
        .approve(chain.deployment().bounty, U256::from(amount))
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    let sealed = commitment(bounty_id, analyst.address, assertion);
    let pending = bounty
        .commit(bounty_id, sealed, amount, no_permit())
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
}

/// Mines `blocks` empty blocks.
pub async fn mine(chain: &TestChain, blocks: u64) {
    chain.mine(blocks).await.unwrap();
}

/// The node's head.
pub async fn head(chain: &TestChain) -> u64 {
    chain.provider().get_block_number().await.unwrap()
}

/// Mines `blocks` blocks holding one `Staked` log of each of `stakers` fresh accounts (automine
/// off, one transaction per account, then `evm_mine`): a range dense with events.
pub async fn stake_blocks(chain: &TestChain, blocks: u64, stakers: usize) {
    let mut tokens = Vec::with_capacity(stakers);
    for _ in 0..stakers {
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
        tokens.push((token, nonce));
    }
    let _: serde_json::Value = chain
        .rpc("evm_setAutomine", serde_json::json!([false]))
        .await
        .unwrap();
    for _ in 0..blocks {
        for (token, nonce) in &mut tokens {
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
        let _: serde_json::Value = chain.rpc("evm_mine", serde_json::json!([])).await.unwrap();
    }
    let _: serde_json::Value = chain
        .rpc("evm_setAutomine", serde_json::json!([true]))
        .await
        .unwrap();
}

/// The positions (block hash, log index) of every `Staked` log on the chain.
pub async fn staked_positions(chain: &TestChain) -> Vec<(String, u64)> {
    use alloy::sol_types::SolEvent;
    let filter = alloy::rpc::types::Filter::new()
        .address(chain.deployment().reputation_token)
        .event_signature(ReputationToken::Staked::SIGNATURE_HASH)
        .from_block(0);
    chain
        .provider()
        .get_logs(&filter)
        .await
        .unwrap()
        .into_iter()
        .map(|log| {
            (
                format!("0x{}", alloy::hex::encode(log.block_hash.unwrap())),
                log.log_index.unwrap(),
            )
        })
        .collect()
}
