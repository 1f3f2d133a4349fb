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

use crate::domain::chain_events::{lifecycle_input, opened_terms};
use crate::store::{ChainApplied, ChainInput, Store};

/// The consumer group of the read model.
pub const READ_MODEL_GROUP: &str = "bounty-read-model";

/// Applies the chain listener's bounty events to the read model.
#[derive(Debug, Clone)]
pub struct ChainEvents {
    /// The service's store.
    pub store: Store,
}

impl RawHandler for ChainEvents {
    async fn handle_raw(
        &self,
        envelope: RawEnvelope,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let envelope_id = envelope.id;
        let event = ChainEvent::from_envelope(envelope).map_err(HandlerError::permanent)?;
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
            return Ok(());
        }
        let Some((chain_bounty_id, input)) =
            lifecycle_input(&event).map_err(HandlerError::permanent)?
        else {
            return Ok(());
        };
        let opened = match &event {
            ChainEvent::BountyOpened(opened) => {
                Some(opened_terms(opened).map_err(HandlerError::permanent)?)
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
            .map_err(HandlerError::retryable)?;
        if applied == ChainApplied::UnknownBounty {
            tracing::debug!(chain_bounty_id, "A chain bounty the platform did not post.");
        }
        Ok(())
    }
}
