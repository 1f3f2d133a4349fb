//! A real chain for the follower tests: an anvil per test (from `contracts/node_modules`, on a
//! free loopback port, killed when dropped) with the platform's contracts deployed by
//! `nexus_chain::deploy::deploy_all` and the deployments file written where the service reads it.
//!
//! This is the smallest such fixture the tests need while nexus-testkit's shared chain fixture
//! (feature `chain`) is being written; these tests move to it when it lands.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, U256};
use alloy::providers::{DynProvider, Provider};
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::deploy::{DeployConfig, Deployment, NXS, confirm, deploy_all};

/// anvil with the contracts deployed.
pub struct Chain {
    child: Child,
    pub url: String,
    pub provider: DynProvider,
    pub accounts: Vec<Address>,
    pub deployment: Deployment,
    pub deployment_file: PathBuf,
}

impl Drop for Chain {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.deployment_file);
    }
}

fn anvil_binary() -> PathBuf {
    if let Ok(path) = std::env::var("TEST_NEXUS_ANVIL") {
        return PathBuf::from(path);
    }
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../contracts/node_modules/.bin/anvil");
    assert!(
        path.exists(),
        "anvil not found at {}: run contracts/ci.sh first",
        path.display()
    );
    path
}

impl Chain {
    /// Starts anvil and deploys the contracts (the deployer keeps its admin roles, so tests may
    /// change parameters directly).
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(anvil_binary())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--accounts", "10", "--balance", "1000000", "--quiet"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn anvil");
        let url = format!("http://127.0.0.1:{port}");
        let provider = nexus_chain::connect(&url, None).unwrap();
        let started = Instant::now();
        while provider.get_chain_id().await.is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "anvil did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let accounts = provider.get_accounts().await.unwrap();
        let config = DeployConfig::local(accounts[0]);
        let deployment = deploy_all(&provider, accounts[0], &config).await.unwrap();
        let deployment_file = std::env::temp_dir().join(format!(
            "nexus-chain-listener-{}.json",
            uuid::Uuid::now_v7().simple()
        ));
        deployment.write(&deployment_file).unwrap();
        Self {
            child,
            url,
            provider,
            accounts,
            deployment,
            deployment_file,
        }
    }

    pub fn token(&self) -> ReputationToken::ReputationTokenInstance<DynProvider> {
        ReputationToken::new(self.deployment.reputation_token, self.provider.clone())
    }

    pub fn bounty(&self) -> BountyContract::BountyContractInstance<DynProvider> {
        BountyContract::new(self.deployment.bounty, self.provider.clone())
    }

    /// `account` takes `nxs` NXS from the faucet and stakes it: one `Staked` log.
    pub async fn stake(&self, account: Address, nxs: u128) -> u64 {
        let amount = U256::from(nxs * NXS);
        let pending = self
            .token()
            .faucet(amount)
            .from(account)
            .send()
            .await
            .unwrap();
        confirm(&self.provider, pending).await.unwrap();
        let pending = self
            .token()
            .stake(amount)
            .from(account)
            .send()
            .await
            .unwrap();
        let receipt = confirm(&self.provider, pending).await.unwrap();
        receipt.block_number.unwrap()
    }

    /// `creator` opens a bounty with a 1,000 NXS reward: one `BountyCreated` log.
    pub async fn open_bounty(&self, creator: Address) -> u64 {
        let reward = 1_000 * NXS;
        let pending = self
            .token()
            .faucet(U256::from(reward))
            .from(creator)
            .send()
            .await
            .unwrap();
        confirm(&self.provider, pending).await.unwrap();
        let pending = self
            .token()
            .approve(self.deployment.bounty, U256::from(reward))
            .from(creator)
            .send()
            .await
            .unwrap();
        confirm(&self.provider, pending).await.unwrap();
        let now = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .unwrap()
            .unwrap()
            .header
            .timestamp;
        let params = self.bounty().params().call().await.unwrap();
        let request = BountyContract::CreateBountyRequest {
            artifactHash: B256::repeat_byte(0x5a),
            kind: 0,
            reward,
            minStake: params.minAssertionStake,
            assertionDeadline: now + params.minCommitWindow + 60,
        };
        let permit = BountyContract::PermitSignature {
            deadline: U256::ZERO,
            v: 0,
            r: B256::ZERO,
            s: B256::ZERO,
        };
        let pending = self
            .bounty()
            .createBounty(request, permit)
            .from(creator)
            .send()
            .await
            .unwrap();
        let receipt = confirm(&self.provider, pending).await.unwrap();
        receipt.block_number.unwrap()
    }

    /// `evm_snapshot`: the id to revert to.
    pub async fn snapshot(&self) -> U256 {
        self.provider
            .raw_request("evm_snapshot".into(), ())
            .await
            .unwrap()
    }

    /// `evm_revert`: the chain goes back to the snapshot (its later blocks are gone).
    pub async fn revert(&self, id: U256) {
        let reverted: bool = self
            .provider
            .raw_request("evm_revert".into(), (id,))
            .await
            .unwrap();
        assert!(reverted, "evm_revert refused");
    }

    /// Mines `blocks` empty blocks (a second apart, so their hashes differ from any earlier
    /// branch's).
    pub async fn mine(&self, blocks: u64) {
        for _ in 0..blocks {
            let _: serde_json::Value = self
                .provider
                .raw_request("evm_increaseTime".into(), (1u64,))
                .await
                .unwrap();
            let _: serde_json::Value = self
                .provider
                .raw_request("evm_mine".into(), ())
                .await
                .unwrap();
        }
    }

    pub async fn head(&self) -> u64 {
        self.provider.get_block_number().await.unwrap()
    }
}
