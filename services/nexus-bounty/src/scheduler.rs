//! The scheduler: queues the calls anyone may make once a bounty's window closes, so no bounty
//! waits for a participant to remember them: `resolve` after the reveal window, `refundCreator`
//! once an Invalid outcome is final, `payTreasury` once any outcome whose settlement owes the
//! treasury something (the fee, or an Invalid bounty's forfeited unrevealed stakes) is final,
//! `slashUnrevealed` for each analyst who committed and never revealed once the bounty is
//! resolved (the contract refuses it while the bounty is open; it slashes the bounty's
//! `noRevealSlash` from the analyst's qualifying stake, once), and `withdrawUnstakedFor` for each
//! account whose unstake cooldown is over, so an analyst gets its tokens back without paying gas.
//! It only *asks* the chain, through the relayer's queue; the bounty moves when the chain
//! listener confirms the result, never on the scheduler's word.
//!
//! Deadlines are judged at [`Store::schedule_cutoff`]: the newest confirmed block's time (the
//! clock the contract checks), or the wall clock less `grace` when that is later.
//!
//! Idempotent and safe with several replicas: a call's queue key is `keccak256(to ‖ calldata)`
//! (unique in the queue), and a bounty with a job of that kind (for a slash: naming that
//! analyst) is not picked again; the treasury is not asked again once a `TreasuryPaid` of
//! `payTreasury` is confirmed, whoever sent it. A withdrawal's key also names the cooldown's
//! unlock time ([`withdrawal_key`]: a later unstake of the same account is a new call), and the
//! job is recorded as that cooldown's withdrawal in the transaction that queues it. The API's
//! `POST /v1/bounties/{id}/resolve`, `/refunds` and `POST /v1/bounties/unstakes/withdrawals`
//! queue the same calls under the same keys, so a call asked for by both is sent once. A job
//! that failed for good (the relayer's attempts ran out) is not queued again by the scheduler;
//! its reason is in the job's `last_error`. Without a deployments file (no chain configured) it
//! queues nothing and tries again next tick.

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::{Address, B256, U256, keccak256};
use nexus_chain::deploy::Deployment;
use nexus_chain::relay::{self, RelayCall};
use nexus_runtime::WorkerResult;
use tokio_util::sync::CancellationToken;

use crate::chain::BountyChain;
use crate::error::BountyError;
use crate::metrics::BountyMetrics;
use crate::relayer::NewTransaction;
use crate::settings::SchedulerSettings;
use crate::store::Store;

/// Calls queued per tick at most (the rest wait for the next tick).
const BATCH: i64 = 100;

/// Runs the scheduler every `settings.interval` until `shutdown`; a failed tick is logged and
/// retried at the next one.
pub async fn run(
    store: Store,
    deployment_file: std::path::PathBuf,
    settings: SchedulerSettings,
    metrics: BountyMetrics,
    shutdown: CancellationToken,
) -> WorkerResult {
    let mut ticker = tokio::time::interval(settings.interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            _ = ticker.tick() => {}
        }
        let deployment = match Deployment::read(&deployment_file) {
            Ok(deployment) => deployment,
            Err(error) => {
                tracing::debug!(%error, "No deployments file; the scheduler queues nothing.");
                continue;
            }
        };
        let now = chrono::Utc::now().timestamp();
        match tick(&store, &deployment, now, settings.grace).await {
            Ok(kinds) => kinds.iter().for_each(|kind| metrics.scheduled_call(kind)),
            Err(error) => {
                tracing::warn!(error = %error, "A scheduler tick failed; the next one retries.");
            }
        }
    }
}

/// One pass at `now` (unix seconds): queues every due call; returns their kinds.
pub async fn tick(
    store: &Store,
    deployment: &Deployment,
    now: i64,
    grace: Duration,
) -> Result<Vec<String>, BountyError> {
    let grace = i64::try_from(grace.as_secs()).unwrap_or(i64::MAX);
    let cutoff = store.schedule_cutoff(now, grace).await?;
    let due = store.due_calls(cutoff, BATCH).await?;
    let mut calls = Vec::with_capacity(due.len());
    for call in due {
        let chain_id = u64::try_from(call.chain_bounty_id)
            .map(U256::from)
            .map_err(|_| BountyError::Internal("a negative chain bounty id".into()))?;
        let relay_call = match call.kind.as_str() {
            "resolve" => relay::resolve_call(deployment, chain_id),
            "refund_creator" => relay::refund_creator_call(deployment, chain_id),
            "pay_treasury" => relay::pay_treasury_call(deployment, chain_id),
            "slash_unrevealed" => {
                let analyst = call
                    .analyst
                    .as_deref()
                    .and_then(|bytes| Address::try_from(bytes).ok())
                    .ok_or_else(|| BountyError::Internal("a slash without its analyst".into()))?;
                relay::slash_unrevealed_call(deployment, chain_id, analyst)
            }
            other => {
                return Err(BountyError::Internal(format!(
                    "unknown scheduled call {other}"
                )));
            }
        };
        calls.push(NewTransaction {
            kind: call.kind,
            bounty_id: Some(call.bounty_id),
            idempotency_key: relay_call.key(),
            to: relay_call.to,
            calldata: relay_call.data,
        });
    }
    let mut kinds: Vec<String> = calls.iter().map(|call| call.kind.clone()).collect();
    if !calls.is_empty() {
        store.queue_calls(calls).await?;
    }
    for due in store.due_withdrawals(cutoff, BATCH).await? {
        let account = Address::try_from(due.account.as_slice())
            .map_err(|_| BountyError::Internal("an unstake without its account".into()))?;
        store
            .queue_withdrawal(
                &due.account,
                due.unlock_time,
                withdrawal(deployment, account, due.unlock_time),
            )
            .await?;
        kinds.push(WITHDRAW_UNSTAKED.to_owned());
    }
    Ok(kinds)
}

/// The relayer job kind of a `withdrawUnstakedFor` call.
pub const WITHDRAW_UNSTAKED: &str = "withdraw_unstaked";

/// The queue key of the withdrawal releasing the cooldown that ends at `unlock_time`:
/// `keccak256(keccak256(to ‖ calldata) ‖ unlock_time as 8 big-endian bytes)`. The calldata only
/// names the account, which unstakes again later; the unlock time tells its cooldowns apart.
pub fn withdrawal_key(call: &RelayCall, unlock_time: i64) -> B256 {
    keccak256([call.key().as_slice(), &unlock_time.to_be_bytes()].concat())
}

/// The queued call releasing `account`'s cooldown that ends at `unlock_time`, as the scheduler
/// and `POST /v1/bounties/unstakes/withdrawals` both queue it (the same key).
pub fn withdrawal(deployment: &Deployment, account: Address, unlock_time: i64) -> NewTransaction {
    let call = relay::withdraw_unstaked_call(deployment, account);
    let idempotency_key = withdrawal_key(&call, unlock_time);
    let (to, calldata) = call.into_parts();
    NewTransaction {
        kind: WITHDRAW_UNSTAKED.to_owned(),
        bounty_id: None,
        to,
        calldata,
        idempotency_key,
    }
}

/// The `chain-clock` worker: every `interval`, the timestamp of the newest confirmed block
/// (`confirmations` deep) moves the read model's clock, so deadlines close when the chain passes
/// them even for bounties that get no event then ([`Store::advance_chain_clock`]). Without a
/// reachable chain it waits for the next tick; several replicas may run it (rows are locked with
/// `SKIP LOCKED` and the clock only moves forward).
pub async fn run_clock(
    store: Store,
    chain: Arc<BountyChain>,
    confirmations: u64,
    interval: Duration,
    shutdown: CancellationToken,
) -> WorkerResult {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            _ = ticker.tick() => {}
        }
        let at = match chain.confirmed_timestamp(confirmations).await {
            Ok(at) => at,
            Err(error) => {
                tracing::debug!(%error, "No confirmed block time; the chain clock waits.");
                continue;
            }
        };
        match store.advance_chain_clock(at).await {
            Ok(0) => {}
            Ok(moved) => tracing::info!(moved, at, "Deadlines closed by the chain clock."),
            Err(error) => {
                tracing::warn!(error = %error, "A chain clock tick failed; the next one retries.");
            }
        }
    }
}
