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
use alloy::primitives::{Address, B256, Bytes, U64};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::client::{BatchRequest, Waiter};
use alloy::rpc::types::TransactionRequest;
use alloy::rpc::types::{Filter, Log};
use alloy::sol_types::SolCall;
use chrono::DateTime;
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::bindings::token::ReputationToken;
use nexus_chain::deploy::Deployment;

use crate::domain::decode::{Contracts, address_hex, bounty_parameters, word_hex};
use crate::store::ingest::{BlockHeader, BountyTerms, StakeRead};

/// Requests per JSON-RPC batch: well under the usual node limits (geth answers up to 1,000).
const BATCH: usize = 500;

/// The fields of a block the listener keeps (`eth_getBlockByNumber` answers far more).
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct HeaderFields {
    number: U64,
    hash: B256,
    parent_hash: B256,
    timestamp: U64,
}

impl HeaderFields {
    fn into_header(self) -> Result<BlockHeader, RpcError> {
        let number = self.number.to::<u64>();
        Ok(BlockHeader {
            number,
            hash: word_hex(self.hash),
            parent_hash: Some(word_hex(self.parent_hash)),
            time: i64::try_from(self.timestamp.to::<u64>())
                .ok()
                .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
                .ok_or_else(|| {
                    RpcError::Invalid(format!("block {number} has an impossible time"))
                })?,
        })
    }
}

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
                    parent_hash: Some(word_hex(header.parent_hash)),
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

    /// The headers of blocks `numbers`, in that order (`None` where the node has no such
    /// block), read in JSON-RPC batches: one round trip for hundreds of blocks.
    pub async fn headers(&self, numbers: &[u64]) -> Result<Vec<Option<BlockHeader>>, RpcError> {
        let mut headers = Vec::with_capacity(numbers.len());
        for chunk in numbers.chunks(BATCH) {
            let mut batch = BatchRequest::new(self.provider.client());
            let mut waiters: Vec<Waiter<Option<HeaderFields>>> = Vec::with_capacity(chunk.len());
            for &number in chunk {
                waiters.push(
                    batch
                        .add_call(
                            "eth_getBlockByNumber",
                            &(BlockNumberOrTag::Number(number), false),
                        )
                        .map_err(|error| RpcError::Failed(error.to_string()))?,
                );
            }
            self.bounded(batch.send()).await?;
            for waiter in waiters {
                let fields = self.bounded(waiter).await?;
                headers.push(fields.map(HeaderFields::into_header).transpose()?);
            }
        }
        Ok(headers)
    }

    /// The token's stake records of `reads` (account, block number, block hash), each at the end
    /// of its block, read in JSON-RPC batches of `eth_call`s. Reads the node refuses (no state
    /// at that block: not an archive node, during a backfill) are made again, in one batch, at
    /// the latest block, as [`ChainReader::stake_at`] does.
    pub async fn stakes_at(
        &self,
        reads: &[(String, u64, String)],
    ) -> Result<Vec<StakeRead>, RpcError> {
        let mut calls = Vec::with_capacity(reads.len());
        for (account, _, hash) in reads {
            let address: Address = account
                .parse()
                .map_err(|_| RpcError::Invalid(format!("{account} is not an address")))?;
            calls.push((address, BlockId::hash(parse_hash(hash)?)));
        }
        let mut answers = self.stake_calls(&calls).await?;
        let refused: Vec<usize> = (0..answers.len())
            .filter(|&index| answers[index].is_none())
            .collect();
        if !refused.is_empty() {
            tracing::debug!(
                reads = refused.len(),
                "stake reads at the latest block instead"
            );
            let latest: Vec<(Address, BlockId)> = refused
                .iter()
                .map(|&index| (calls[index].0, BlockId::latest()))
                .collect();
            for (index, answer) in refused.into_iter().zip(self.stake_calls(&latest).await?) {
                answers[index] = Some(answer.ok_or_else(|| {
                    RpcError::Failed(format!("stakeInfo of {} refused", calls[index].0))
                })?);
            }
        }
        Ok(reads
            .iter()
            .zip(answers)
            .filter_map(|((account, number, _), info)| {
                info.map(|info| StakeRead {
                    account: account.clone(),
                    block_number: *number,
                    staked: info.staked.to_string(),
                    unstaking: info.unstaking.to_string(),
                    unlock_time: info.unlockTime,
                })
            })
            .collect())
    }

    /// `stakeInfo(account)` at each block of `calls`, in JSON-RPC batches; `None` where the node
    /// refused the call (an error for the whole batch fails).
    async fn stake_calls(
        &self,
        calls: &[(Address, BlockId)],
    ) -> Result<Vec<Option<ReputationToken::StakeInfo>>, RpcError> {
        let mut answers = Vec::with_capacity(calls.len());
        for chunk in calls.chunks(BATCH) {
            let mut batch = BatchRequest::new(self.provider.client());
            let mut waiters: Vec<Waiter<Bytes>> = Vec::with_capacity(chunk.len());
            for (account, at) in chunk {
                let input = ReputationToken::stakeInfoCall { account: *account }.abi_encode();
                let call = TransactionRequest::default()
                    .to(self.contracts.token)
                    .input(Bytes::from(input).into());
                waiters.push(
                    batch
                        .add_call("eth_call", &(call, *at))
                        .map_err(|error| RpcError::Failed(error.to_string()))?,
                );
            }
            self.bounded(batch.send()).await?;
            for waiter in waiters {
                answers.push(match self.bounded(waiter).await {
                    Ok(bytes) => Some(
                        ReputationToken::stakeInfoCall::abi_decode_returns(&bytes)
                            .map_err(|error| RpcError::Invalid(error.to_string()))?,
                    ),
                    Err(RpcError::Failed(_)) => None,
                    Err(error) => return Err(error),
                });
            }
        }
        Ok(answers)
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
    /// A node without state at `number` (not an archive node, the deployment long past) is read
    /// at the latest block instead: the values in force now, which differ only if governance
    /// changed them since (the first `ParameterChanged` then names the current value as the
    /// previous one).
    pub async fn parameters_at(&self, number: u64) -> Result<Vec<(String, String)>, RpcError> {
        match self.parameters(BlockId::number(number)).await {
            Err(RpcError::Failed(message)) => {
                tracing::warn!(%message, number, "parameters read at the latest block instead");
                self.parameters(BlockId::latest()).await
            }
            result => result,
        }
    }

    async fn parameters(&self, at: BlockId) -> Result<Vec<(String, String)>, RpcError> {
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
