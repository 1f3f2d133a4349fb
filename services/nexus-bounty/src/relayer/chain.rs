//! The relayer's view of the node: each RPC request under a time limit and behind the circuit
//! breaker, its failure sorted into "the node is unreachable" (the job waits, no attempt used)
//! and "the node refused" (an attempt used).
//!
//! The breaker is nexus-client's [`CircuitBreaker`]: it is transport-agnostic (a permit per
//! attempt, reported as success or failure), so the relayer reuses it instead of a second one;
//! a refusal is an answer and counts as a success for the node's health.

use std::future::Future;
use std::time::Duration;

use alloy::eips::BlockNumberOrTag;
use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, B256, Bytes};
use alloy::providers::{DynProvider, Provider};
use alloy::rpc::types::TransactionRequest;
use alloy::transports::{RpcError, TransportResult};
use nexus_client::CircuitBreaker;

use super::fees::{self, FeeCaps, Fees};

/// Why an RPC request gave no answer to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcFailure {
    /// No answer: connection refused, timed out, garbage, or the breaker is open.
    Unreachable(String),
    /// The node answered with an error (a revert in estimation, a refused transaction).
    Refused(String),
}

/// A mined transaction's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mined {
    /// The block it is in.
    pub block: u64,
    /// Whether it succeeded (`false`: reverted).
    pub succeeded: bool,
}

/// The node, as the sender uses it.
#[derive(Debug)]
pub struct Chain {
    provider: DynProvider,
    breaker: CircuitBreaker,
    timeout: Duration,
}

impl Chain {
    /// Over `provider`; each request waits at most `timeout`; the breaker opens after
    /// `failure_threshold` consecutive unreachable requests for `open_duration`.
    pub fn new(
        provider: DynProvider,
        timeout: Duration,
        failure_threshold: u32,
        open_duration: Duration,
    ) -> Self {
        Self {
            provider,
            breaker: CircuitBreaker::new(failure_threshold, open_duration),
            timeout,
        }
    }

    async fn call<T>(
        &self,
        request: impl Future<Output = TransportResult<T>>,
    ) -> Result<T, RpcFailure> {
        let permit = self.breaker.try_acquire().map_err(|refused| {
            RpcFailure::Unreachable(format!(
                "the RPC circuit is open for {:?} more",
                refused.retry_after
            ))
        })?;
        match tokio::time::timeout(self.timeout, request).await {
            Ok(Ok(value)) => {
                permit.succeeded();
                Ok(value)
            }
            Ok(Err(RpcError::ErrorResp(payload))) => {
                permit.succeeded();
                let data = payload
                    .data
                    .as_ref()
                    .map(|data| format!(" (data {})", data.get()))
                    .unwrap_or_default();
                Err(RpcFailure::Refused(format!("{}{data}", payload.message)))
            }
            Ok(Err(error)) => {
                permit.failed();
                // Not the error's text: a transport error names the URL, which is a secret.
                let what = match error {
                    RpcError::Transport(_) => "the node could not be reached",
                    RpcError::NullResp => "the node answered null",
                    RpcError::DeserError { .. } => "the node's answer could not be read",
                    _ => "the RPC request failed",
                };
                Err(RpcFailure::Unreachable(what.to_owned()))
            }
            Err(_) => {
                permit.failed();
                Err(RpcFailure::Unreachable(format!(
                    "no answer within {:?}",
                    self.timeout
                )))
            }
        }
    }

    /// The chain id.
    pub async fn chain_id(&self) -> Result<u64, RpcFailure> {
        self.call(async { self.provider.get_chain_id().await })
            .await
    }

    /// The next nonce of `account` counting the node's pending transactions.
    pub async fn pending_nonce(&self, account: Address) -> Result<u64, RpcFailure> {
        self.call(async { self.provider.get_transaction_count(account).pending().await })
            .await
    }

    /// Transactions of `account` mined so far (its next nonce in the latest block).
    pub async fn mined_nonce(&self, account: Address) -> Result<u64, RpcFailure> {
        self.call(async { self.provider.get_transaction_count(account).latest().await })
            .await
    }

    /// The gas `from` needs to call `to` with `calldata` now; `Refused` when the call reverts.
    pub async fn estimate_gas(
        &self,
        from: Address,
        to: Address,
        calldata: &Bytes,
    ) -> Result<u64, RpcFailure> {
        let request = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_input(calldata.clone());
        self.call(async { self.provider.estimate_gas(request).await })
            .await
    }

    /// Fees for a transaction now, from the last `blocks` blocks' history, under `caps`.
    pub async fn fees(&self, blocks: u64, caps: FeeCaps) -> Result<Fees, RpcFailure> {
        let history = self
            .call(async {
                self.provider
                    .get_fee_history(blocks, BlockNumberOrTag::Latest, &[50.0])
                    .await
            })
            .await?;
        let next_base_fee = history.next_block_base_fee().unwrap_or_default();
        let rewards: Vec<u128> = history
            .reward
            .unwrap_or_default()
            .iter()
            .filter_map(|block| block.first().copied())
            .collect();
        Ok(fees::from_history(next_base_fee, &rewards, caps))
    }

    /// Broadcasts a signed transaction; a node that has it already counts as accepted (the
    /// same bytes sent again after a crash).
    pub async fn broadcast(&self, raw: &Bytes) -> Result<(), RpcFailure> {
        match self
            .call(async { self.provider.send_raw_transaction(raw).await })
            .await
        {
            Ok(_) => Ok(()),
            Err(RpcFailure::Refused(message)) if is_already_known(&message) => Ok(()),
            Err(failure) => Err(failure),
        }
    }

    /// Whether the node knows transaction `hash` at all (pending or mined).
    pub async fn knows(&self, hash: B256) -> Result<bool, RpcFailure> {
        let transaction = self
            .call(async { self.provider.get_transaction_by_hash(hash).await })
            .await?;
        Ok(transaction.is_some())
    }

    /// The outcome of transaction `hash` if it is mined.
    pub async fn mined(&self, hash: B256) -> Result<Option<Mined>, RpcFailure> {
        let receipt = self
            .call(async { self.provider.get_transaction_receipt(hash).await })
            .await?;
        Ok(receipt.and_then(|receipt| {
            Some(Mined {
                block: receipt.block_number?,
                succeeded: receipt.status(),
            })
        }))
    }
}

/// Whether a refusal says the node holds this very transaction already (geth: "already known",
/// anvil/reth: "already imported", others "known transaction").
fn is_already_known(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    ["already known", "already imported", "known transaction"]
        .iter()
        .any(|phrase| message.contains(phrase))
}

/// Whether a refusal says the nonce is used already.
pub fn is_nonce_too_low(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("nonce too low") || message.contains("nonce is too low")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_that_mean_the_node_has_it_are_recognised() {
        assert!(is_already_known("already known"));
        assert!(is_already_known("Transaction already imported"));
        assert!(!is_already_known("replacement transaction underpriced"));
        assert!(is_nonce_too_low("nonce too low: next nonce 5, tx nonce 4"));
        assert!(!is_nonce_too_low("insufficient funds"));
    }
}
