//! What the request handlers read from the chain: the deployment (chain id and contract
//! addresses, from the deployments file), a signer's current nonces, the governed parameters in
//! force and the latest block's time. Writes never go through here: they are queued for the
//! relayer ([`crate::relayer`]).
//!
//! The service starts and stays up without a chain (`/ready` reports it, see
//! [`ChainReadiness`]): every read here is under the configured time limit and a missing node or
//! deployments file is `503 chain_unavailable`, which a client retries, never a crash. The
//! deployments file is read on first use and kept once it parsed, so a service started before
//! `nexus-chain deploy` picks it up when it appears.

use std::sync::Arc;
use std::time::Duration;

use alloy::eips::BlockNumberOrTag;
use alloy::primitives::Address;
use alloy::providers::{DynProvider, Provider};
use futures_util::future::BoxFuture;
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::deploy::Deployment;
use nexus_chain::ready::ChainDependency;
use nexus_chain::settings::ChainSettings;
use nexus_chain::typed_data::SignerNonces;
use nexus_http::health::ReadinessCheck;
use tokio::sync::OnceCell;

use crate::error::BountyError;

/// The chain as the handlers read it.
#[derive(Debug)]
pub struct BountyChain {
    settings: ChainSettings,
    provider: DynProvider,
    deployment: OnceCell<Deployment>,
    /// The governed parameters last read, used while the node is unreachable (see
    /// [`BountyChain::parameters`]).
    last_parameters: std::sync::Mutex<Option<BountyContract::Params>>,
}

impl BountyChain {
    /// Reads through `settings` (no request is made until a handler asks).
    pub fn new(settings: &ChainSettings) -> Result<Self, BountyError> {
        let provider = nexus_chain::connect(settings.expose_rpc_url(), None)
            .map_err(|error| BountyError::Internal(format!("the chain client: {error}")))?;
        Ok(Self {
            settings: settings.clone(),
            provider,
            deployment: OnceCell::new(),
            last_parameters: std::sync::Mutex::new(None),
        })
    }

    /// The node.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The deployment (read once from the deployments file): the chain id and the contracts.
    pub async fn deployment(&self) -> Result<&Deployment, BountyError> {
        self.deployment
            .get_or_try_init(|| async {
                let path = self.settings.deployment_file.clone();
                tokio::task::spawn_blocking(move || Deployment::read(&path))
                    .await
                    .map_err(|error| BountyError::Internal(error.to_string()))?
                    .map_err(|error| {
                        BountyError::ChainUnavailable(format!(
                            "the contracts' deployments file {} cannot be read ({error})",
                            self.settings.deployment_file.display()
                        ))
                    })
            })
            .await
    }

    /// `account`'s three nonces at the latest block (bounty intents, staking intents, permits).
    pub async fn nonces(&self, account: Address) -> Result<SignerNonces, BountyError> {
        let deployment = self.deployment().await?;
        self.limited(SignerNonces::read(&self.provider, deployment, account))
            .await
    }

    /// The governed parameters in force (`BountyContract.params()` at the latest block).
    ///
    /// While the node is unreachable, the parameters last read (kept in memory) stand in, so a
    /// request is still checked and queued; governance changes them only through a timelock
    /// delay, and the contract checks again when the queued call executes. Only when none were
    /// ever read since the process started is it `chain_unavailable`.
    pub async fn parameters(&self) -> Result<BountyContract::Params, BountyError> {
        let deployment = self.deployment().await?;
        let contract = BountyContract::new(deployment.bounty, &self.provider);
        let read = self
            .limited(async { contract.params().call().await.map_err(Into::into) })
            .await;
        let mut last = self
            .last_parameters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match read {
            Ok(params) => {
                *last = Some(params.clone());
                Ok(params)
            }
            Err(error) => match last.as_ref() {
                Some(params) => {
                    tracing::warn!(%error, "using the governed parameters last read");
                    Ok(params.clone())
                }
                None => Err(error),
            },
        }
    }

    /// The chain's clock, unix seconds: the latest block's time when the node answers, else the
    /// wall clock (anvil's may run ahead of it; a real chain's follows it within seconds).
    pub async fn now(&self) -> u64 {
        match self.latest_timestamp().await {
            Ok(timestamp) => timestamp,
            Err(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs()),
        }
    }

    /// The latest block's timestamp, unix seconds: the clock the contract checks deadlines
    /// against (anvil's may run ahead of the wall clock).
    pub async fn latest_timestamp(&self) -> Result<u64, BountyError> {
        self.limited(async {
            let block = self
                .provider
                .get_block_by_number(BlockNumberOrTag::Latest)
                .await?;
            block.map(|block| block.header.timestamp).ok_or_else(|| {
                nexus_chain::ChainError::Config("the node has no latest block".into())
            })
        })
        .await
    }

    /// The timestamp of the newest block with `confirmations` blocks built on it (the chain
    /// listener's depth, `[bounty.chain] confirmations`): the read model's clock
    /// ([`crate::store::Store::advance_chain_clock`]).
    pub async fn confirmed_timestamp(&self, confirmations: u64) -> Result<u64, BountyError> {
        self.limited(async {
            let latest = self.provider.get_block_number().await?;
            let number = latest.saturating_sub(confirmations);
            let block = self
                .provider
                .get_block_by_number(BlockNumberOrTag::Number(number))
                .await?;
            block.map(|block| block.header.timestamp).ok_or_else(|| {
                nexus_chain::ChainError::Config(format!("the node has no block {number}"))
            })
        })
        .await
    }

    /// `request` under the configured time limit; any failure to get an answer is
    /// `chain_unavailable` (the cause is logged, the RPC URL never is).
    async fn limited<T>(
        &self,
        request: impl Future<Output = Result<T, nexus_chain::ChainError>>,
    ) -> Result<T, BountyError> {
        match tokio::time::timeout(self.timeout(), request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => {
                tracing::warn!(%error, "a chain read failed");
                Err(BountyError::ChainUnavailable(
                    "the chain node did not answer the read".into(),
                ))
            }
            Err(_) => Err(BountyError::ChainUnavailable(format!(
                "the chain node did not answer within {:?}",
                self.timeout()
            ))),
        }
    }

    fn timeout(&self) -> Duration {
        self.settings.request_timeout
    }
}

/// `/ready`'s chain dependency: the node answers with the configured chain id and the contracts
/// are deployed (nexus-chain's shared check). It only degrades the service: without the chain
/// `/ready` says `degraded` and stays 200, because requests are still accepted and their
/// transactions queued until the node returns (the "accepted and queued").
pub struct ChainReadiness(pub Arc<ChainDependency>);

impl ReadinessCheck for ChainReadiness {
    fn name(&self) -> &'static str {
        nexus_chain::ready::DEPENDENCY_NAME
    }

    fn check(&self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(self.0.probe())
    }

    fn degrades_only(&self) -> bool {
        true
    }
}
