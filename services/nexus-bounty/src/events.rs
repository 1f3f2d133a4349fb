//! What the bounty service consumes:
//!
//! | event | stream | group | effect |
//! |---|---|---|---|
//! | `BountyOpened`, `AssertionCommitted`, `AssertionRevealed`, `BountyResolved`, `DisputeOpened`, `DisputeDecided`, `RewardClaimed`, `BountyRefunded` | `nexus:chain:events:v1` | `bounty-read-model` | the bounty's life cycle moves ([`Store::apply_chain_event`]), `BountyUpdated` is published |
//! | `ChainEventsRetracted` | same | same | the named envelopes' inputs are undone ([`Store::retract_chain_events`]), `BountyUpdated` per bounty |
//! | `TreasuryPaid` (of `payTreasury`), `UnstakeRequested` | same | same | stored for the scheduler ([`Store::apply_settlement_record`]) |
//!
//! `BountyResolved`, `DisputeDecided`, `RewardClaimed` and `BountyRefunded` also carry earnings
//! facts (each analyst's settlement, a claim, a refund), and `Slashed` on a bounty is one: they
//! are stored in the same transaction (`bounty.earnings`), each with an `EarningsChanged` the
//! `earnings-notifier` worker publishes ([`notify_earnings`]). Other events of the stream (staking,
//! parameters, slashes outside bounties) are acknowledged and skipped. Each
//! effect and the inbox record of the envelope id commit in one transaction before the
//! entry is acknowledged, so a redelivery changes nothing. An event that the bounty's known
//! history cannot take (it overtook its prerequisite) is a retryable failure: a later delivery
//! applies it once the prerequisite is in; a malformed one is permanent and dead-lettered.

use std::sync::Arc;
use std::time::Duration;

use nexus_bus::{Delivery, HandlerError, RawHandler};
use nexus_client::{CallContext, ClientError};
use nexus_proto::bounty_me::EarningsChanged;
use nexus_proto::chain::ChainEvent;
use nexus_proto::event::RawEnvelope;
use nexus_runtime::WorkerResult;
use tokio_util::sync::CancellationToken;

use nexus_core::bounty::Effect;

use crate::BountyService;
use crate::domain::chain_events::{
    lifecycle_input, opened_terms, settlement_record, treasury_amount,
};
use crate::domain::earnings::facts_of;
use crate::error::BountyError;
use crate::metrics::BountyMetrics;
use crate::store::{ChainApplied, ChainInput, Recorded, Store};

/// The consumer group of the read model.
pub const READ_MODEL_GROUP: &str = "bounty-read-model";

/// Applies the chain listener's bounty events to the read model.
#[derive(Debug, Clone)]
pub struct ChainEvents {
    /// The service's store.
    pub store: Store,
    /// Where outcomes are counted.
    pub metrics: BountyMetrics,
}

impl ChainEvents {
    /// Counts `outcome` and passes `error` on (for `map_err`).
    fn counted(
        &self,
        outcome: &'static str,
        error: impl Into<nexus_bus::BoxError>,
    ) -> HandlerError {
        self.metrics.chain_event(outcome);
        match outcome {
            "malformed" => HandlerError::permanent(error),
            _ => HandlerError::retryable(error),
        }
    }
}

impl ChainEvents {
    /// An event that moves no life cycle: its earnings facts (a `Slashed` on a bounty) are
    /// stored, anything else is skipped.
    async fn earnings_only(
        &self,
        envelope_id: uuid::Uuid,
        event: &ChainEvent,
        facts: &[crate::domain::earnings::Fact],
    ) -> Result<(), HandlerError> {
        let chain_bounty_id = match event {
            ChainEvent::Slashed(slashed) if !facts.is_empty() => slashed.bounty_id,
            _ => None,
        };
        let Some(chain_bounty_id) = chain_bounty_id else {
            self.metrics.chain_event("skipped");
            return Ok(());
        };
        let applied = self
            .store
            .apply_earnings_facts(
                READ_MODEL_GROUP,
                envelope_id,
                event.name(),
                chain_bounty_id,
                facts,
            )
            .await
            .map_err(HandlerError::retryable)?
            .map_err(|error| self.counted("refused", error))?;
        self.metrics.chain_event(match applied {
            ChainApplied::Duplicate => "duplicate",
            ChainApplied::UnknownBounty => "unknown_bounty",
            ChainApplied::Applied { .. } => "applied",
        });
        Ok(())
    }
}

impl RawHandler for ChainEvents {
    async fn handle_raw(
        &self,
        envelope: RawEnvelope,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let envelope_id = envelope.id;
        let event = ChainEvent::from_envelope(envelope)
            .map_err(|error| self.counted("malformed", error))?;
        if let ChainEvent::ChainEventsRetracted(retraction) = &event {
            let retracted: Vec<_> = retraction
                .retracted
                .iter()
                .map(|event| event.envelope_id)
                .collect();
            self.store
                .retract_chain_events(READ_MODEL_GROUP, envelope_id, &retracted)
                .await
                .map_err(HandlerError::retryable)?;
            self.metrics.chain_event("retracted");
            return Ok(());
        }
        if let Some(record) =
            settlement_record(&event).map_err(|error| self.counted("malformed", error))?
        {
            let recorded = self
                .store
                .apply_settlement_record(READ_MODEL_GROUP, envelope_id, record)
                .await
                .map_err(HandlerError::retryable)?
                .map_err(|error| self.counted("refused", error))?;
            self.metrics.chain_event(match recorded {
                Recorded::Duplicate => "duplicate",
                Recorded::UnknownBounty => "unknown_bounty",
                Recorded::Stored => "applied",
            });
            return Ok(());
        }
        let facts = facts_of(&event)
            .map_err(|error| self.counted("malformed", error))?
            .map(|(_, facts)| facts)
            .unwrap_or_default();
        let Some((chain_bounty_id, input)) =
            lifecycle_input(&event).map_err(|error| self.counted("malformed", error))?
        else {
            return self.earnings_only(envelope_id, &event, &facts).await;
        };
        let treasury = treasury_amount(&event).map_err(|error| self.counted("malformed", error))?;
        let opened = match &event {
            ChainEvent::BountyOpened(opened) => {
                Some(opened_terms(opened).map_err(|error| self.counted("malformed", error))?)
            }
            _ => None,
        };
        let applied = self
            .store
            .apply_chain_event_with(
                ChainInput {
                    consumer: READ_MODEL_GROUP,
                    envelope_id,
                    cause: event.name(),
                    chain_bounty_id,
                    input,
                    opened,
                },
                &facts,
                treasury,
            )
            .await
            .map_err(HandlerError::retryable)?
            .map_err(|error| self.counted("refused", error))?;
        self.metrics.chain_event(match applied {
            ChainApplied::Duplicate => "duplicate",
            ChainApplied::UnknownBounty => "unknown_bounty",
            ChainApplied::Applied {
                effect: Effect::Replayed,
                ..
            } => "known",
            ChainApplied::Applied { .. } => "applied",
        });
        Ok(())
    }
}

/// Notifications leased per pass of the notifier.
const NOTIFY_BATCH: i64 = 50;
/// How long a leased notification is left to its worker before another may take it.
const NOTIFY_LEASE: Duration = Duration::from_secs(60);
/// Pause between passes when nothing is due.
const NOTIFY_IDLE: Duration = Duration::from_millis(500);

/// The `earnings-notifier` worker: publishes the `EarningsChanged` the read model queued
/// (`bounty.earnings_notifications`), each to the account nexus-user says the wallet is linked
/// to, on the bounty stream with `user_id` (the gateway's `user:{id}` topic).
///
/// Why a table and a worker rather than asking nexus-user inside the chain-event consumer: the
/// read model must not stop when nexus-user is down (bounties would stop moving), and a chain
/// fact must not be lost either. The fact and its notification commit together; the notifier
/// retries with a growing delay (1 s doubling up to 5 min) while nexus-user cannot be asked,
/// drops the notification when no account links the wallet (nobody to tell), and removes it in
/// the transaction that writes the event to the outbox, so it is published once. Replicas lease
/// rows (`FOR UPDATE SKIP LOCKED`, 60 s), so each is handled by one at a time.
pub async fn notify_earnings(
    service: Arc<BountyService>,
    shutdown: CancellationToken,
) -> WorkerResult {
    nexus_runtime::workers::run_passes(
        shutdown,
        NOTIFY_IDLE,
        "An earnings notification pass",
        || notify_pass(&service),
    )
    .await
}

/// One pass: every leased notification published, dropped or deferred; returns how many.
pub async fn notify_pass(service: &BountyService) -> Result<usize, BountyError> {
    let due = service
        .store
        .lease_notifications(NOTIFY_BATCH, NOTIFY_LEASE)
        .await?;
    for pending in &due {
        let Ok(wallet) = <[u8; 20]>::try_from(pending.account.as_slice()) else {
            service.store.publish_notification(pending.id, None).await?;
            continue;
        };
        let address = nexus_core::ChainAddress::from_bytes(wallet);
        match service
            .users
            .wallet_owner(&CallContext::none(), address)
            .await
        {
            Ok(owner) => {
                let event = EarningsChanged {
                    user_id: owner.user_id.to_string(),
                    wallet: address.to_lower_hex(),
                    bounty: pending.bounty_id,
                    cause: pending.cause.clone(),
                };
                service
                    .store
                    .publish_notification(pending.id, Some(event))
                    .await?;
            }
            Err(ClientError::Api { status, .. }) if status.as_u16() == 404 => {
                // No account links the wallet: nobody to tell.
                service.store.publish_notification(pending.id, None).await?;
            }
            Err(error) => {
                let exponent = u32::try_from(pending.attempts.clamp(1, 10) - 1).unwrap_or(0);
                let delay = Duration::from_secs(2u64.pow(exponent)).min(Duration::from_secs(300));
                service
                    .store
                    .defer_notification(pending.id, delay, &error.to_string())
                    .await?;
            }
        }
    }
    Ok(due.len())
}
