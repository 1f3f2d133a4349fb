//! What every analyst action shares (commit, reveal, dispute, resolve, claim, refund, stake):
//! the bounty as the action sees it (readable, the action allowed by the policies on its phase
//! *at the chain's latest block*), the state checks with their stable 409 codes, and the answer
//! (`202` with the queued call's job).
//!
//! Why the phase is recomputed here: the read model moves on confirmed events, so a bounty whose
//! commit window closed without a new event still reads `open`. The contract checks windows by
//! block time; refusing by the stored phase alone would refuse a reveal the chain would accept.
//! So the stored phase is advanced by the deadlines against the latest block's timestamp (the
//! clock the contract checks), the same rule `nexus_core::bounty::Lifecycle::phase` applies.

use actix_web::HttpResponse;
use alloy::primitives::{Address, B256, U256};
use nexus_chain::deploy::Deployment;
use nexus_chain::typed_data::TypedData;
use nexus_core::bounty::Phase;
use nexus_policy::Action;
use nexus_proto::bounty::{BountyTransaction, IntentToSign};
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::BountyService;
use crate::domain::access;
use crate::domain::intent::{IntentError, parse_uint};
use crate::error::BountyError;
use crate::relayer::{NewTransaction, TransactionView};
use crate::routes::readable_bounty;
use crate::store::BountyRow;

/// How long the intents served by `GET /v1/bounties/intents/...` stay valid (by the chain's
/// clock): long enough to read and sign, short enough that a leaked signature soon expires.
pub(crate) const INTENT_LIFETIME_SECONDS: i64 = 3_600;

/// A bounty an action may be asked for: readable, the action allowed, on chain.
#[derive(Debug, Clone)]
pub(crate) struct ActionBounty {
    /// Its row.
    pub row: BountyRow,
    /// Its phase at [`ActionBounty::now`].
    pub phase: Phase,
    /// The latest block's timestamp (the wall clock when the node cannot be asked: the
    /// contract decides in the end, and the call is queued for when the node returns).
    pub now: i64,
    /// The contract's id for it.
    pub chain_id: U256,
}

impl ActionBounty {
    /// 409 `code` unless `allowed`, naming the phase and what the action `needs`.
    pub fn require(
        &self,
        allowed: bool,
        code: &'static str,
        needs: &str,
    ) -> Result<(), BountyError> {
        if allowed {
            Ok(())
        } else {
            Err(BountyError::WrongState {
                id: self.row.id,
                status: self.phase.as_str(),
                code,
                needs: needs.to_owned(),
            })
        }
    }
}

/// The bounty `id` for `action`: 404 unless readable, 401 for a guest, 403 unless the policies
/// allow `action` on it in its current phase, 409 `bounty_not_on_chain` while it is not on chain.
pub(crate) async fn action_bounty(
    service: &BountyService,
    caller: &Caller,
    id: Uuid,
    action: Action,
) -> Result<ActionBounty, BountyError> {
    let row = readable_bounty(&service.store, caller, id).await?;
    caller.require_signed_in()?;
    let now = chain_now(service).await;
    let stored = Phase::parse(&row.status).ok_or_else(|| {
        BountyError::Internal(format!("bounty {} has status {:?}", row.id, row.status))
    })?;
    let phase = phase_at(stored, &row, now);
    caller.authorize(
        action,
        access::resource(&row.id.to_string(), &row.creator_id, phase, row.is_public),
    )?;
    let Some(chain_id) = row.chain_bounty_id else {
        return Err(BountyError::WrongState {
            id: row.id,
            status: phase.as_str(),
            code: "bounty_not_on_chain",
            needs: "it is not on chain yet; wait until its creation is confirmed".into(),
        });
    };
    let chain_id = u64::try_from(chain_id)
        .map(U256::from)
        .map_err(|_| BountyError::Internal(format!("bounty {id} has a negative chain id")))?;
    Ok(ActionBounty {
        row,
        phase,
        now,
        chain_id,
    })
}

/// The chain's latest block time, or the wall clock when the node cannot be asked now.
pub(crate) async fn chain_now(service: &BountyService) -> i64 {
    match service.chain.latest_timestamp().await {
        Ok(now) => i64::try_from(now).unwrap_or(i64::MAX),
        Err(error) => {
            tracing::warn!(%error, "No block time from the chain; checking windows by the wall clock.");
            chrono::Utc::now().timestamp()
        }
    }
}

/// `stored` advanced to chain time `now` by the row's deadlines: the commit window closes into
/// `revealing` (with commitments) or `expired` (without), the reveal window into `resolving`.
pub(crate) fn phase_at(stored: Phase, row: &BountyRow, now: i64) -> Phase {
    let committed = row.commitment_count > 0;
    let past_assertion = now > row.assertion_deadline.timestamp();
    let past_reveal = now > row.reveal_deadline.timestamp();
    match stored {
        Phase::Open if past_assertion && !committed => Phase::Expired,
        Phase::Open | Phase::Revealing if past_reveal => Phase::Resolving,
        Phase::Open if past_assertion => Phase::Revealing,
        other => other,
    }
}

/// The deployment, for building calls (503 `chain_unavailable` without a deployments file).
pub(crate) async fn deployment(service: &BountyService) -> Result<&Deployment, BountyError> {
    service.chain.deployment().await
}

/// `text` as a stake for `bounty` (field `field`): a decimal `uint128` of at least the bounty's
/// minimum stake (422 `stake_too_low` below it).
pub(crate) fn stake_for(
    bounty: &ActionBounty,
    field: &'static str,
    text: &str,
) -> Result<u128, BountyError> {
    let stake = u128::try_from(parse_uint(field, text)?).map_err(|_| IntentError::Malformed {
        field,
        problem: "exceeds the largest stake (2^128 - 1)".into(),
    })?;
    let minimum: u128 = bounty.row.min_stake.parse().map_err(|_| {
        BountyError::Internal(format!("bounty {} has an invalid min_stake", bounty.row.id))
    })?;
    if stake < minimum {
        return Err(BountyError::StakeTooLow {
            stake: stake.to_string(),
            minimum: minimum.to_string(),
        });
    }
    Ok(stake)
}

/// The intent's EIP-712 digest: its idempotency key in the queue.
pub(crate) fn digest(typed: &TypedData) -> Result<B256, BountyError> {
    typed
        .signing_hash()
        .map_err(|error| BountyError::Internal(format!("the typed data does not hash: {error}")))
}

/// `200` with what `signer` signs for `kind`.
pub(crate) fn to_sign(
    kind: &str,
    signer: Address,
    deployment: &Deployment,
    typed_data: Option<&TypedData>,
    permit: Option<&TypedData>,
    submit: String,
) -> HttpResponse {
    HttpResponse::Ok().json(IntentToSign {
        kind: kind.to_owned(),
        signer: signer.to_checksum(None),
        chain_id: deployment.chain_id,
        typed_data: typed_data.map(TypedData::to_json),
        permit: permit.map(TypedData::to_json),
        submit,
    })
}

/// Queues `new` and answers `202` with its job (the job queued first for the same key).
pub(crate) async fn queued(
    service: &BountyService,
    new: NewTransaction,
) -> Result<HttpResponse, BountyError> {
    let job = service.store.queue_action(new).await?;
    Ok(HttpResponse::Accepted().json(job_view(job)))
}

/// A job as the API shows it.
pub(crate) fn job_view(job: TransactionView) -> BountyTransaction {
    BountyTransaction {
        id: job.id.0,
        kind: job.kind,
        status: job.status.as_str().to_owned(),
        tx_hash: job.tx_hash.map(|hash| hash.to_string()),
        block_number: job.block_number,
        attempts: job.attempts,
        last_error: job.last_error,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;

    fn row(commitments: i32) -> BountyRow {
        let at = |seconds| DateTime::<Utc>::from_timestamp(seconds, 0).unwrap_or_default();
        BountyRow {
            id: Uuid::nil(),
            creator_id: "alice".into(),
            creator_address: vec![0; 20],
            artifact_kind: "url".into(),
            artifact_hash: vec![0; 32],
            artifact_url: None,
            artifact_chain_id: None,
            artifact_address: None,
            reward: "1".into(),
            min_stake: "1".into(),
            assertion_deadline: at(100),
            reveal_deadline: at(200),
            is_public: true,
            status: "open".into(),
            chain_bounty_id: Some(1),
            commitment_count: commitments,
            reveal_count: 0,
            outcome: None,
            created_at: at(0),
        }
    }

    #[test]
    fn windows_close_by_the_chain_clock() {
        let open = row(1);
        assert_eq!(phase_at(Phase::Open, &open, 100), Phase::Open);
        assert_eq!(phase_at(Phase::Open, &open, 101), Phase::Revealing);
        assert_eq!(phase_at(Phase::Open, &open, 201), Phase::Resolving);
        assert_eq!(phase_at(Phase::Revealing, &open, 201), Phase::Resolving);
        assert_eq!(phase_at(Phase::Open, &row(0), 101), Phase::Expired);
        assert_eq!(phase_at(Phase::Open, &row(0), 201), Phase::Expired);
        assert_eq!(phase_at(Phase::Resolved, &open, 500), Phase::Resolved);
        assert_eq!(phase_at(Phase::Pending, &open, 500), Phase::Pending);
    }
}
