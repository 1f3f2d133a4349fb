//! The sender of one relayer key: takes the key's lease, recovers its nonce, then each round
//! follows the transactions in flight (receipts, broadcasts again, replacements) and signs and
//! broadcasts the due jobs, in that order.
//!
//! The rule every step keeps: a transaction is recorded (nonce, hash, bytes) on the lease's
//! connection before it is broadcast, so whatever the sender knows about, the next sender finds
//! by hash on the chain or broadcasts again byte for byte; a job never gets a second nonce while
//! a transaction with its first can still be mined.

use std::time::Duration;

use alloy::eips::eip2718::Encodable2718;
use alloy::network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder};
use alloy::primitives::{Address, Bytes};
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use futures_util::future::join_all;
use sqlx::PgConnection;
use tokio_util::sync::CancellationToken;

mod in_flight;

use super::RelayerSettings;
use super::chain::{Chain, RpcFailure};
use super::fees::{FeeCaps, Fees};
use super::job::{SignedRecord, backoff};
use crate::error::BountyError;
use crate::store::Store;

/// RPC requests the sender has in flight at once (gas estimates, receipt look-ups).
const RPC_CONCURRENCY: usize = 16;

/// Why a round stopped early.
#[derive(Debug)]
enum Stop {
    /// The node gave no answer: the jobs wait for it.
    Unreachable(String),
    /// The database (the lease's session) failed: the lease is given up and taken again.
    Db(BountyError),
    /// A transaction could not be signed (a broken invariant): logged, tried next round.
    Signing(String),
}

impl From<BountyError> for Stop {
    fn from(error: BountyError) -> Self {
        Stop::Db(error)
    }
}

/// One relayer key's sender.
pub(super) struct Sender {
    store: Store,
    settings: RelayerSettings,
    address: Address,
    wallet: EthereumWallet,
    chain: Chain,
    /// The chain id the node must report (`[bounty.chain] chain_id`), when set.
    expected_chain_id: Option<u64>,
    chain_id: Option<u64>,
    /// The nonce the next new job gets; `None` until recovered from the chain and the queue.
    next_nonce: Option<u64>,
}

impl Sender {
    pub(super) fn new(
        store: Store,
        settings: RelayerSettings,
        signer: PrivateKeySigner,
        chain: Chain,
        expected_chain_id: Option<u64>,
    ) -> Self {
        Self {
            store,
            settings,
            address: signer.address(),
            wallet: EthereumWallet::from(signer),
            chain,
            expected_chain_id,
            chain_id: None,
            next_nonce: None,
        }
    }

    /// Sends until `shutdown`: waits for the lease, then runs rounds while it holds it.
    pub(super) async fn run(mut self, shutdown: CancellationToken) {
        while !shutdown.is_cancelled() {
            match self.lease(&shutdown).await {
                Some(mut lease) => {
                    tracing::info!(relayer = %self.address, "The relayer holds its key's lease and sends.");
                    self.next_nonce = None;
                    while !shutdown.is_cancelled() {
                        match self.round(&mut lease).await {
                            Ok(()) => {}
                            Err(Stop::Unreachable(reason)) => {
                                tracing::warn!(relayer = %self.address, %reason, "The chain is unreachable; queued transactions wait for it.");
                            }
                            Err(Stop::Signing(error)) => {
                                tracing::error!(relayer = %self.address, %error, "The relayer could not sign a transaction.");
                            }
                            Err(Stop::Db(error)) => {
                                tracing::warn!(relayer = %self.address, error = %error, "The relayer lost its database session; it gives up the lease and takes it again.");
                                break;
                            }
                        }
                        self.pause(&shutdown).await;
                    }
                    // Dropping the connection ends the session, which releases the lock.
                    drop(lease);
                }
                None => self.pause(&shutdown).await,
            }
        }
    }

    async fn pause(&self, shutdown: &CancellationToken) {
        tokio::select! {
            () = shutdown.cancelled() => {}
            () = tokio::time::sleep(self.settings.poll_interval) => {}
        }
    }

    /// A session holding the key's advisory lock, waiting while another holds it; `None` when
    /// shut down or the database failed (tried again after a pause).
    async fn lease(&self, shutdown: &CancellationToken) -> Option<PgConnection> {
        let mut conn = match self.store.lease_connection().await {
            Ok(conn) => conn,
            Err(error) => {
                tracing::warn!(error = %error, "The relayer cannot open its lease session.");
                return None;
            }
        };
        while !shutdown.is_cancelled() {
            match Store::try_lock_relayer(&mut conn, self.address).await {
                Ok(true) => return Some(conn),
                Ok(false) => self.pause(shutdown).await,
                Err(error) => {
                    tracing::warn!(error = %error, "The relayer's lease session failed.");
                    return None;
                }
            }
        }
        None
    }

    fn caps(&self) -> FeeCaps {
        FeeCaps {
            max_fee_per_gas: self.settings.max_fee_per_gas,
            max_priority_fee_per_gas: self.settings.max_priority_fee_per_gas,
        }
    }

    fn retry_delay(&self, attempts: u32) -> Duration {
        backoff(
            attempts,
            self.settings.backoff_base,
            self.settings.backoff_max,
        )
    }

    async fn round(&mut self, lease: &mut PgConnection) -> Result<(), Stop> {
        let chain_id = match self.chain_id {
            Some(id) => id,
            None => {
                let id = self.chain.chain_id().await.map_err(unreachable)?;
                if let Some(expected) = self.expected_chain_id.filter(|expected| *expected != id) {
                    // Signing for another chain would be harmless (the signature binds the id) but
                    // pointless: the jobs wait for the right node.
                    return Err(Stop::Unreachable(format!(
                        "the node is on chain {id}, not the expected {expected}"
                    )));
                }
                self.chain_id = Some(id);
                id
            }
        };
        let in_flight = Store::in_flight_transactions(lease, self.address).await?;
        if self.next_nonce.is_none() {
            // The chain's pending count covers what the node holds; the queue covers what was
            // recorded but may never have reached it (a crash between record and broadcast).
            let pending = self
                .chain
                .pending_nonce(self.address)
                .await
                .map_err(unreachable)?;
            let recorded = in_flight.iter().map(|job| job.nonce + 1).max().unwrap_or(0);
            self.next_nonce = Some(pending.max(recorded));
            tracing::info!(relayer = %self.address, next_nonce = pending.max(recorded), "The relayer recovered its nonce.");
        }
        if !in_flight.is_empty() {
            self.follow(lease, chain_id, in_flight).await?;
        }
        self.send_due(lease, chain_id).await
    }

    /// Signs and broadcasts the due jobs in queue order, one nonce each.
    async fn send_due(&mut self, lease: &mut PgConnection, chain_id: u64) -> Result<(), Stop> {
        let due = Store::due_transactions(lease, self.settings.batch_size).await?;
        if due.is_empty() {
            return Ok(());
        }
        let fees = self
            .chain
            .fees(self.settings.fee_history_blocks, self.caps())
            .await
            .map_err(unreachable)?;
        // Estimates do not depend on the nonce, so they are asked for concurrently; signing,
        // recording and broadcasting stay one job at a time, in queue order.
        let address = self.address;
        let chain = &self.chain;
        let mut estimates = Vec::with_capacity(due.len());
        for chunk in due.chunks(RPC_CONCURRENCY) {
            let requests = chunk
                .iter()
                .map(|job| chain.estimate_gas(address, job.to, &job.calldata));
            estimates.extend(join_all(requests).await);
        }
        for (job, estimate) in due.into_iter().zip(estimates) {
            let estimate = match estimate {
                Ok(gas) => gas,
                Err(RpcFailure::Refused(reason)) => {
                    let error = format!("the call reverts: {reason}");
                    let delay = self.retry_delay(job.attempts + 1);
                    let status = Store::retry_later(
                        lease,
                        job.id,
                        &error,
                        delay,
                        self.settings.max_attempts,
                        false,
                    )
                    .await?;
                    tracing::warn!(transaction_id = %job.id, %error, status = status.as_str(), "A relayed call reverts in estimation.");
                    continue;
                }
                Err(RpcFailure::Unreachable(reason)) => return Err(Stop::Unreachable(reason)),
            };
            let gas_limit =
                estimate.saturating_mul(100 + self.settings.gas_limit_margin_percent) / 100;
            let Some(nonce) = self.next_nonce else {
                return Ok(());
            };
            let record = self
                .sign(chain_id, job.to, &job.calldata, nonce, gas_limit, fees)
                .await?;
            if !Store::record_signed(lease, job.id, &record).await? {
                // No longer queued (another key's sender took it): nothing was broadcast, so
                // the nonce stays free.
                continue;
            }
            self.next_nonce = Some(nonce + 1);
            match self.chain.broadcast(&record.raw).await {
                Ok(()) => Store::mark_sent(lease, job.id).await?,
                Err(RpcFailure::Refused(reason)) => {
                    // Refused at its first broadcast: no node holds it, so the nonce is given
                    // back and the job queued again; the nonce is read from the chain again in
                    // case the key was used elsewhere.
                    let delay = self.retry_delay(job.attempts + 1);
                    let error = format!("the node refused the transaction: {reason}");
                    Store::retry_later(
                        lease,
                        job.id,
                        &error,
                        delay,
                        self.settings.max_attempts,
                        true,
                    )
                    .await?;
                    self.next_nonce = None;
                    tracing::warn!(transaction_id = %job.id, %error, "A relayed transaction was refused.");
                    return Ok(());
                }
                // Unknown whether it arrived: it stays `sending` and is broadcast again.
                Err(RpcFailure::Unreachable(reason)) => return Err(Stop::Unreachable(reason)),
            }
            tracing::debug!(transaction_id = %job.id, nonce, tx_hash = %record.hash, "A relayed transaction was sent.");
        }
        Ok(())
    }

    async fn sign(
        &self,
        chain_id: u64,
        to: Address,
        calldata: &Bytes,
        nonce: u64,
        gas_limit: u64,
        fees: Fees,
    ) -> Result<SignedRecord, Stop> {
        let envelope = TransactionRequest::default()
            .with_from(self.address)
            .with_to(to)
            .with_input(calldata.clone())
            .with_chain_id(chain_id)
            .with_nonce(nonce)
            .with_gas_limit(gas_limit)
            .with_max_fee_per_gas(u128::from(fees.max_fee_per_gas))
            .with_max_priority_fee_per_gas(u128::from(fees.max_priority_fee_per_gas))
            .build(&self.wallet)
            .await
            .map_err(|error| Stop::Signing(error.to_string()))?;
        Ok(SignedRecord {
            relayer: self.address,
            nonce,
            gas_limit,
            fees,
            hash: *envelope.tx_hash(),
            raw: Bytes::from(envelope.encoded_2718()),
        })
    }
}

fn unreachable(failure: RpcFailure) -> Stop {
    match failure {
        RpcFailure::Unreachable(reason) | RpcFailure::Refused(reason) => Stop::Unreachable(reason),
    }
}
