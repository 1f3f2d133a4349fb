//! What the bounty service consumes:
//!
//! | event | stream | group | effect |
//! |---|---|---|---|
//! | `BountyOpened`, `AssertionCommitted`, `AssertionRevealed`, `BountyResolved`, `DisputeOpened`, `DisputeDecided`, `RewardClaimed`, `BountyRefunded` | `nexus:chain:events:v1` | `bounty-read-model` | the bounty's life cycle moves ([`Store::apply_chain_event`]), `BountyUpdated` is published |
//! | `ChainEventsRetracted` | same | same | the named envelopes' inputs are undone ([`Store::retract_chain_events`]), `BountyUpdated` per bounty |
//!
//! Other events of the stream (staking, parameters, slashing) are acknowledged and skipped. Each
//! effect and the inbox record of the envelope id commit in one transaction before the
//! entry is acknowledged, so a redelivery changes nothing. An event that the bounty's known
//! history cannot take (it overtook its prerequisite) is a retryable failure: a later delivery
//! applies it once the prerequisite is in; a malformed one is permanent and dead-lettered.

use nexus_bus::{Delivery, HandlerError, RawHandler};
use nexus_proto::chain::ChainEvent;
use nexus_proto::event::RawEnvelope;

use nexus_core::bounty::Effect;

use crate::domain::chain_events::{lifecycle_input, opened_terms};
use crate::metrics::BountyMetrics;
use crate::store::{ChainApplied, ChainInput, Store};

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
        let Some((chain_bounty_id, input)) =
            lifecycle_input(&event).map_err(|error| self.counted("malformed", error))?
        else {
            self.metrics.chain_event("skipped");
            return Ok(());
        };
        let opened = match &event {
            ChainEvent::BountyOpened(opened) => {
                Some(opened_terms(opened).map_err(|error| self.counted("malformed", error))?)
            }
            _ => None,
        };
        let applied = self
            .store
            .apply_chain_event(ChainInput {
                consumer: READ_MODEL_GROUP,
                envelope_id,
                cause: event.name(),
                chain_bounty_id,
                input,
                opened,
            })
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
