//! The transactions of a sender's key that are in flight (`sending` or `sent`): their receipts
//! (confirmed or failed), broadcasts again of what may not have arrived, and replacements of
//! what is stuck. Checked each round before any new job is signed, so after a crash what the
//! last sender recorded is found on the chain before anything is sent again.

use alloy::primitives::B256;
use futures_util::future::join_all;
use sqlx::PgConnection;

use super::{RPC_CONCURRENCY, Sender, Stop, unreachable};
use crate::relayer::chain::{Mined, RpcFailure, is_nonce_too_low};
use crate::relayer::fees;
use crate::relayer::job::{InFlightTransaction, MinedRecord, TransactionStatus};
use crate::store::Store;

impl Sender {
    /// Receipts, broadcasts again and replacements of the jobs in flight, by nonce.
    pub(super) async fn follow(
        &mut self,
        lease: &mut PgConnection,
        chain_id: u64,
        in_flight: Vec<InFlightTransaction>,
    ) -> Result<(), Stop> {
        let mined_nonce = self
            .chain
            .mined_nonce(self.address)
            .await
            .map_err(unreachable)?;
        // The receipts of the jobs whose nonce is used, looked up concurrently (the slow part when
        // many are in flight); what they show is then written in nonce order.
        let used: Vec<&InFlightTransaction> = in_flight
            .iter()
            .filter(|job| job.nonce < mined_nonce)
            .collect();
        let mut receipts = Vec::with_capacity(used.len());
        for chunk in used.chunks(RPC_CONCURRENCY) {
            receipts.extend(join_all(chunk.iter().map(|job| self.find_mined(job))).await);
        }
        let mut receipts = receipts.into_iter();
        let mut mined = Vec::new();
        for job in &in_flight {
            if job.nonce < mined_nonce {
                match receipts.next().unwrap_or(Ok(None)).map_err(unreachable)? {
                    Some((hash, outcome)) => mined.push(mined_record(job, hash, outcome)),
                    None => self.nonce_used_elsewhere(lease, job).await?,
                }
                continue;
            }
            if job.status == TransactionStatus::Sending && job.due {
                // Recorded, broadcast outcome unknown (an error or a crash): the same bytes again.
                match self.chain.broadcast(&job.raw).await {
                    Ok(()) => Store::mark_sent(lease, job.id).await?,
                    Err(RpcFailure::Refused(reason)) => {
                        self.note_refusal(lease, job, &reason).await?;
                    }
                    Err(RpcFailure::Unreachable(reason)) => return Err(Stop::Unreachable(reason)),
                }
            } else if job.status == TransactionStatus::Sent
                && job.seconds_since_sent >= self.settings.stuck_timeout.as_secs_f64()
            {
                self.replace(lease, chain_id, job).await?;
            }
        }
        Store::mark_mined(lease, &mined).await?;
        Ok(())
    }

    /// A job whose nonce is used on the chain though none of its transactions has a receipt:
    /// used by one this relayer never recorded (the key was used elsewhere), which frees the
    /// job to be sent again with a new nonce, since none of its own can be mined now.
    async fn nonce_used_elsewhere(
        &self,
        lease: &mut PgConnection,
        job: &InFlightTransaction,
    ) -> Result<(), Stop> {
        // No receipt for any of its hashes. Before concluding that another transaction took the
        // nonce, give a lagging node (receipts behind nonces, as behind a load balancer) the
        // stuck timeout, and make sure it knows none of the job's transactions: sending the job
        // again while one of them may still be mined would execute it twice.
        if job.seconds_since_sent < self.settings.stuck_timeout.as_secs_f64() {
            return Ok(());
        }
        for hash in &job.tx_hashes {
            if self.chain.knows(*hash).await.map_err(unreachable)? {
                return Ok(());
            }
        }
        let reason = format!(
            "nonce {} was used by a transaction the relayer did not send",
            job.nonce
        );
        tracing::warn!(transaction_id = %job.id, %reason, "A relayed job goes back to the queue.");
        let delay = self.retry_delay(1);
        Store::retry_later(
            lease,
            job.id,
            &reason,
            delay,
            self.settings.max_attempts,
            true,
        )
        .await?;
        Ok(())
    }

    /// The mined one of `job`'s transactions, newest first (a replacement is the likelier).
    async fn find_mined(
        &self,
        job: &InFlightTransaction,
    ) -> Result<Option<(B256, Mined)>, RpcFailure> {
        for hash in job.tx_hashes.iter().rev() {
            if let Some(mined) = self.chain.mined(*hash).await? {
                return Ok(Some((*hash, mined)));
            }
        }
        Ok(None)
    }

    async fn note_refusal(
        &self,
        lease: &mut PgConnection,
        job: &InFlightTransaction,
        reason: &str,
    ) -> Result<(), Stop> {
        // "Nonce too low" means one of its transactions (or another) was mined: the next
        // round's receipt check settles it. Anything else waits and is tried again; the job
        // keeps its nonce, since an earlier broadcast of it may still be mined.
        if !is_nonce_too_low(reason) {
            tracing::warn!(transaction_id = %job.id, %reason, "The node refused a relayed transaction again.");
            let delay = self.retry_delay(1);
            Store::retry_later(
                lease,
                job.id,
                reason,
                delay,
                self.settings.max_attempts,
                false,
            )
            .await?;
        }
        Ok(())
    }

    /// Replaces a stuck transaction: same nonce, gas and call, fees bumped.
    async fn replace(
        &self,
        lease: &mut PgConnection,
        chain_id: u64,
        job: &InFlightTransaction,
    ) -> Result<(), Stop> {
        let current = self
            .chain
            .fees(self.settings.fee_history_blocks, self.caps())
            .await
            .map_err(unreachable)?;
        let Some(fees) = fees::bumped(
            job.fees,
            current,
            self.settings.replacement_bump_percent,
            self.caps(),
        ) else {
            tracing::warn!(transaction_id = %job.id, "A stuck transaction cannot be replaced under the fee caps; it waits.");
            return Ok(());
        };
        let record = self
            .sign(
                chain_id,
                job.to,
                &job.calldata,
                job.nonce,
                job.gas_limit,
                fees,
            )
            .await?;
        if !Store::record_replacement(lease, job.id, &record).await? {
            return Ok(());
        }
        tracing::info!(transaction_id = %job.id, nonce = job.nonce, tx_hash = %record.hash, "A stuck transaction is replaced with higher fees.");
        match self.chain.broadcast(&record.raw).await {
            Ok(()) => Store::mark_sent(lease, job.id).await?,
            // The previous one was mined meanwhile: the next round settles it.
            Err(RpcFailure::Refused(reason)) if is_nonce_too_low(&reason) => {}
            Err(RpcFailure::Refused(reason)) => {
                let delay = self.retry_delay(1);
                Store::retry_later(
                    lease,
                    job.id,
                    &reason,
                    delay,
                    self.settings.max_attempts,
                    false,
                )
                .await?;
            }
            Err(RpcFailure::Unreachable(reason)) => return Err(Stop::Unreachable(reason)),
        }
        Ok(())
    }
}

fn mined_record(job: &InFlightTransaction, hash: B256, outcome: Mined) -> MinedRecord {
    tracing::info!(transaction_id = %job.id, tx_hash = %hash, block = outcome.block, succeeded = outcome.succeeded, "A relayed transaction was mined.");
    MinedRecord {
        id: job.id,
        tx_hash: hash,
        block: outcome.block,
        error: (!outcome.succeeded).then(|| {
            format!(
                "the transaction {hash} reverted on chain in block {}",
                outcome.block
            )
        }),
    }
}
