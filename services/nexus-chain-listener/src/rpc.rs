//! The chain as the follower reads it: heads, block headers, logs of the platform's contracts in
//! a range, and the few contract reads that complete a log (stakes, bounty terms, parameters),
//! each pinned to the block hash it concerns (EIP-1898), so a reorganisation in between cannot
//! mix two branches. A node without archive state refuses reads at old blocks (a backfill from
//! the deployment block): those reads fall back to the latest block, which is what the
//! projection ends at (stakes) or the same value (bounty terms never change). Every request is
//! bounded by the chain settings' `request_timeout`.

use std::future::IntoFuture;
use std::time::Duration;

use alloy::eips::{BlockId, BlockNumberOrTag};
use alloy::primitives::{Address, B256};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::{Filter, Log};
use chrono::DateTime;
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::deploy::Deployment;

use crate::domain::decode::{Contracts, address_hex, bounty_parameters, word_hex};
use crate::store::ingest::{BlockHeader, BountyTerms, StakeRead};

/// Why a request to the node failed.
#[derive(Debug, thiserror::Error)]
pub enum RpcError {
    /// The node refused an `eth_getLogs` range as too large.
    #[error("the node refused the block range as too large: {0}")]
    RangeTooLarge(String),
    /// No answer within the request timeout.
    #[error("the node did not answer within {0:?}")]
    Timeout(Duration),
    /// Transport or JSON-RPC error.
    #[error("rpc: {0}")]
    Failed(String),
    /// The node answered something the platform cannot use.
    #[error("rpc answer: {0}")]
    Invalid(String),
}

/// A read-only connection to the followed chain.
#[derive(Debug, Clone)]
pub struct ChainReader {
    provider: DynProvider,
    timeout: Duration,
    /// The chain id of the deployment.
    pub chain_id: u64,
    /// The platform's contracts.
    pub contracts: Contracts,
    /// The deployment block.
    pub deployment_block: u64,
}

impl ChainReader {
    /// A reader for `deployment` over `provider`.
    pub fn new(provider: DynProvider, deployment: &Deployment, timeout: Duration) -> Self {
        Self {
            provider,
            timeout,
            chain_id: deployment.chain_id,
            contracts: Contracts {
                bounty: deployment.bounty,
                token: deployment.reputation_token,
                governance: deployment.governance,
                timelock: deployment.timelock,
            },
            deployment_block: deployment.block_number,
        }
    }

    /// The provider (for readiness probes and tests).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    async fn bounded<T, E: std::fmt::Display>(
        &self,
        request: impl IntoFuture<Output = Result<T, E>>,
    ) -> Result<T, RpcError> {
        match tokio::time::timeout(self.timeout, request.into_future()).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(RpcError::Failed(error.to_string())),
            Err(_) => Err(RpcError::Timeout(self.timeout)),
        }
    }

    /// `eth_chainId`.
    pub async fn chain_id_at_node(&self) -> Result<u64, RpcError> {
        self.bounded(self.provider.get_chain_id()).await
    }

    /// `eth_blockNumber`.
    pub async fn head(&self) -> Result<u64, RpcError> {
        self.bounded(self.provider.get_block_number()).await
    }

    /// The header of block `number`, `None` when the node has no such block.
    pub async fn header(&self, number: u64) -> Result<Option<BlockHeader>, RpcError> {
        let block = self
            .bounded(
                self.provider
                    .get_block_by_number(BlockNumberOrTag::Number(number)),
            )
            .await?;
        block
            .map(|block| {
                let header = block.header;
                Ok(BlockHeader {
                    number: header.number,
                    hash: word_hex(header.hash),
                    parent_hash: word_hex(header.parent_hash),
                    time: i64::try_from(header.timestamp)
                        .ok()
                        .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
                        .ok_or_else(|| {
                            RpcError::Invalid(format!("block {number} has an impossible time"))
                        })?,
                })
            })
            .transpose()
    }

    /// The platform's logs in `from..=to`, in chain order.
    pub async fn logs(&self, from: u64, to: u64) -> Result<Vec<Log>, RpcError> {
        let filter = Filter::new()
            .address(self.contracts.all())
            .from_block(from)
            .to_block(to);
        match tokio::time::timeout(self.timeout, self.provider.get_logs(&filter)).await {
            Ok(Ok(mut logs)) => {
                logs.sort_by_key(|log| (log.block_number, log.log_index));
                Ok(logs)
            }
            Ok(Err(error)) => {
                let message = error.to_string();
                if crate::domain::range::is_range_too_large(&message) {
                    Err(RpcError::RangeTooLarge(message))
                } else {
                    Err(RpcError::Failed(message))
                }
            }
            // A range that takes longer than the timeout is, for this node, too large.
            Err(_) => Err(RpcError::RangeTooLarge(format!(
                "no answer within {:?}",
                self.timeout
            ))),
        }
    }

    /// The token's stake record of `account` at the end of block `block_hash`.
    pub async fn stake_at(
        &self,
        account: &str,
        block_number: u64,
        block_hash: &str,
    ) -> Result<StakeRead, RpcError> {
        let address: Address = account
            .parse()
            .map_err(|_| RpcError::Invalid(format!("{account} is not an address")))?;
        let token = ReputationToken::new(self.contracts.token, self.provider.clone());
        let at = BlockId::hash(parse_hash(block_hash)?);
        let info = match self
            .bounded(token.stakeInfo(address).block(at).call())
            .await
        {
            Ok(info) => info,
            Err(RpcError::Failed(message)) => {
                // A node without archive state cannot answer for an old block (a backfill);
                // the latest record is what the projection ends at once the backfill is done.
                tracing::debug!(%message, block_number, "stake read at the latest block instead");
                self.bounded(token.stakeInfo(address).call()).await?
            }
            Err(error) => return Err(error),
        };
        Ok(StakeRead {
            account: address_hex(address),
            block_number,
            staked: info.staked.to_string(),
            unstaking: info.unstaking.to_string(),
            unlock_time: info.unlockTime,
        })
    }

    /// The settlement terms of bounty `bounty_id`, read at block `block_hash`.
    pub async fn terms_at(
        &self,
        bounty_id: u64,
        block_hash: &str,
    ) -> Result<BountyTerms, RpcError> {
        let bounty = BountyContract::new(self.contracts.bounty, self.provider.clone());
        let id = alloy::primitives::U256::from(bounty_id);
        let at = BlockId::hash(parse_hash(block_hash)?);
        // Terms never change once created, so without archive state the latest read is the same.
        let record = match self.bounded(bounty.getBounty(id).block(at).call()).await {
            Ok(record) => record,
            Err(RpcError::Failed(_)) => self.bounded(bounty.getBounty(id).call()).await?,
            Err(error) => return Err(error),
        };
        Ok(BountyTerms {
            bounty_id,
            fee_bps: record.terms.feeBps,
            no_reveal_slash: record.terms.noRevealSlash,
        })
    }

    /// The governed parameters in force at block `number` (seeds the projection on first start,
    /// since the constructors' own logs precede the deployment block).
    pub async fn parameters_at(&self, number: u64) -> Result<Vec<(String, String)>, RpcError> {
        let at = BlockId::number(number);
        let bounty = BountyContract::new(self.contracts.bounty, self.provider.clone());
        let token = ReputationToken::new(self.contracts.token, self.provider.clone());
        let params = self.bounded(bounty.params().block(at).call()).await?;
        let cooldown = self
            .bounded(token.unstakeCooldown().block(at).call())
            .await?;
        let mut values = bounty_parameters(&params);
        values.push(("token.unstake_cooldown".to_owned(), cooldown.to_string()));
        Ok(values)
    }

    /// The NXS balance of `account` at the latest block.
    pub async fn balance(&self, account: Address) -> Result<String, RpcError> {
        let token = ReputationToken::new(self.contracts.token, self.provider.clone());
        Ok(self
            .bounded(token.balanceOf(account).call())
            .await?
            .to_string())
    }

    /// The stake record of `account` at the latest block (the read API's fallback).
    pub async fn stake_now(&self, account: Address) -> Result<(String, String, u64), RpcError> {
        let token = ReputationToken::new(self.contracts.token, self.provider.clone());
        let info = self.bounded(token.stakeInfo(account).call()).await?;
        Ok((
            info.staked.to_string(),
            info.unstaking.to_string(),
            info.unlockTime,
        ))
    }
}

fn parse_hash(hash: &str) -> Result<B256, RpcError> {
    hash.parse()
        .map_err(|_| RpcError::Invalid(format!("{hash} is not a block hash")))
}
