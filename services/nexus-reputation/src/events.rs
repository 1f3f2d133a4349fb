//! What the reputation service consumes:
//!
//! | event | stream | group | effect |
//! |---|---|---|---|
//! | `BountyOpened`, `AssertionRevealed`, `BountyResolved`, `DisputeDecided`, `Slashed` (of a bounty) | `nexus:chain:events:v1` | `reputation-scores` | the fact is stored and its bounty re-projected ([`Store::apply_fact`]): changed assertions, aggregates, history, `ReputationChanged` / `TrustLevelChanged`; then the touched accounts' leaderboard entries |
//! | `ChainEventsRetracted` | same | same | the named envelopes' facts are removed and their bounties re-projected ([`Store::retract_facts`]) |
//!
//! Other events of the stream are acknowledged and skipped. Each effect and the inbox record of
//! the envelope id commit in one transaction before the entry is acknowledged, so a redelivery
//! or a replay of the whole stream changes nothing. A `DisputeDecided` whose ruling changes the
//! outcome re-scores the bounty's assertions with the reason `DisputeDecided` in each analyst's
//! history. The consumer never calls nexus-user: wallets are mapped to accounts by the
//! `wallet-owners` worker ([`resolve_owners`]), so scores keep moving while nexus-user is down.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use nexus_bus::{Delivery, HandlerError, RawHandler};
use nexus_client::{CallContext, ClientError};
use nexus_core::ChainAddress;
use nexus_proto::chain::ChainEvent;
use nexus_proto::event::RawEnvelope;
use nexus_runtime::WorkerResult;
use tokio_util::sync::CancellationToken;

use crate::ReputationService;
use crate::boards::Boards;
use crate::domain::projection;
use crate::error::ReputationError;
use crate::metrics::ReputationMetrics;
use crate::store::{Applied, Store};

/// The consumer group of the scores.
pub const SCORES_GROUP: &str = "reputation-scores";

/// Applies the chain listener's settlement events to the scores.
#[derive(Debug, Clone)]
pub struct ChainEvents {
    /// The service's store.
    pub store: Store,
    /// The leaderboards, updated after each change.
    pub boards: Boards,
    /// Where outcomes are counted.
    pub metrics: ReputationMetrics,
}

impl ChainEvents {
    fn failed(&self, error: ReputationError) -> HandlerError {
        if matches!(error, ReputationError::Malformed(_)) {
            self.metrics.chain_event("malformed");
            HandlerError::permanent(error)
        } else {
            self.metrics.chain_event("failed");
            HandlerError::retryable(error)
        }
    }

    /// Applies one decoded event; what it did.
    pub async fn apply(
        &self,
        envelope_id: uuid::Uuid,
        event: &ChainEvent,
    ) -> Result<Applied, ReputationError> {
        let applied = match event {
            ChainEvent::ChainEventsRetracted(retraction) => {
                let retracted: Vec<_> = retraction
                    .retracted
                    .iter()
                    .map(|event| event.envelope_id)
                    .collect();
                self.store.retract_facts(envelope_id, &retracted).await?
            }
            _ => self.store.apply_fact(envelope_id, event).await?,
        };
        if let Applied::Changed(touched) = &applied
            && let Err(error) = self.boards.update_users(&touched.users, Utc::now()).await
        {
            // The change is committed; the boards catch up at the next reconcile (or rebuild).
            tracing::warn!(%error, "The leaderboards could not be updated after a change.");
        }
        Ok(applied)
    }
}

impl RawHandler for ChainEvents {
    async fn handle_raw(
        &self,
        envelope: RawEnvelope,
        _delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        let envelope_id = envelope.id;
        let event = ChainEvent::from_envelope(envelope).map_err(|error| {
            self.metrics.chain_event("malformed");
            HandlerError::permanent(error)
        })?;
        let used = matches!(event, ChainEvent::ChainEventsRetracted(_))
            || projection::bounty_of(&event).is_some();
        if !used {
            self.metrics.chain_event("skipped");
            return Ok(());
        }
        let applied = self
            .apply(envelope_id, &event)
            .await
            .map_err(|error| self.failed(error))?;
        self.metrics.chain_event(match (applied, &event) {
            (Applied::Duplicate, _) => "duplicate",
            (_, ChainEvent::ChainEventsRetracted(_)) => "retracted",
            _ => "applied",
        });
        Ok(())
    }
}

/// Wallets asked per pass of the owner worker.
const OWNER_BATCH: i64 = 50;
/// How long a leased wallet is left to its worker before another may take it.
const OWNER_LEASE: Duration = Duration::from_secs(60);
/// Pause between passes when nothing is due.
const OWNER_IDLE: Duration = Duration::from_millis(500);
/// Longest wait between asks while nexus-user fails.
const OWNER_MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The `wallet-owners` worker: asks nexus-user which account each new analyst wallet is linked
/// to (`GET /internal/v1/wallets/{address}`), records it (announcing the wallet's score to the
/// account) and writes the account into the leaderboards. A wallet no account links is asked
/// again after `reputation.owner_recheck`; while nexus-user fails, again after 1 s doubling up
/// to 5 min. Replicas lease rows, so each wallet is asked by one at a time.
pub async fn resolve_owners(
    service: Arc<ReputationService>,
    shutdown: CancellationToken,
) -> WorkerResult {
    nexus_runtime::workers::run_passes(shutdown, OWNER_IDLE, "A wallet-owner pass", || {
        owner_pass(&service)
    })
    .await
}

/// One pass: every leased wallet recorded or deferred; returns how many.
pub async fn owner_pass(service: &ReputationService) -> Result<usize, ReputationError> {
    let due = service
        .store
        .lease_owner_checks(OWNER_BATCH, OWNER_LEASE)
        .await?;
    for check in &due {
        let Ok(address) = check.analyst.parse::<ChainAddress>() else {
            service
                .store
                .defer_owner_check(
                    &check.analyst,
                    service.settings.owner_recheck,
                    Some("not an address"),
                )
                .await?;
            continue;
        };
        match service
            .users
            .wallet_owner(&CallContext::none(), address)
            .await
        {
            Ok(owner) => {
                let found = service
                    .store
                    .record_owner(&check.analyst, owner.user_id.into())
                    .await?;
                let users = std::iter::once(found.user_id).collect();
                if let Err(error) = service.boards.update_users(&users, Utc::now()).await {
                    tracing::warn!(%error, "The leaderboards could not take a wallet's account.");
                }
            }
            Err(ClientError::Api { status, .. }) if status.as_u16() == 404 => {
                service
                    .store
                    .defer_owner_check(&check.analyst, service.settings.owner_recheck, None)
                    .await?;
            }
            Err(error) => {
                let exponent = u32::try_from(check.attempts.clamp(0, 9)).unwrap_or(0);
                let delay = Duration::from_secs(2u64.pow(exponent)).min(OWNER_MAX_BACKOFF);
                service
                    .store
                    .defer_owner_check(&check.analyst, delay, Some(&error.to_string()))
                    .await?;
            }
        }
    }
    Ok(due.len())
}

/// The `leaderboards` worker: every `reputation.leaderboard_check_interval`, rebuilds the current
/// boards Redis lost (flushed, evicted, a new week); every
/// `reputation.leaderboard_reconcile_interval`, rebuilds them all.
pub async fn keep_boards(
    service: Arc<ReputationService>,
    shutdown: CancellationToken,
) -> WorkerResult {
    let mut last_reconcile = tokio::time::Instant::now();
    loop {
        let now = Utc::now();
        let result = if last_reconcile.elapsed() >= service.settings.leaderboard_reconcile_interval
        {
            last_reconcile = tokio::time::Instant::now();
            service.boards.rebuild_all(now).await
        } else {
            service.boards.rebuild_missing(now).await.map(|_| ())
        };
        if let Err(error) = result {
            tracing::warn!(%error, "The leaderboards could not be checked; retrying.");
        }
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            () = tokio::time::sleep(service.settings.leaderboard_check_interval) => {}
        }
    }
}
