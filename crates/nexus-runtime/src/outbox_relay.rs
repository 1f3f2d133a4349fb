//! Relays committed outbox rows to Redis Streams.
//!
//! Delivery: rows are locked (`FOR UPDATE SKIP LOCKED`, so several replicas share the work),
//! published, then marked in the same transaction. If the process dies after publishing but
//! before committing, the rows are published again with the same envelope ids, which consumers
//! deduplicate (inbox or idempotent effect): at-least-once on the wire, exactly once in effect,
//! and never lost, because a row is only marked after Redis accepted it.

use std::time::Duration;

use nexus_bus::Bus;
use nexus_db::outbox::OUTBOX_CHANNEL;
use nexus_db::{DbError, Outbox, PgPool};
use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use crate::settings::OutboxSettings;
use crate::workers::WorkerResult;

/// The relay worker for one service's outbox. Returns when `shutdown` is cancelled.
pub async fn run(
    pool: PgPool,
    bus: Bus,
    outbox: Outbox,
    settings: OutboxSettings,
    shutdown: CancellationToken,
) -> WorkerResult {
    let mut listener: Option<PgListener> = None;
    let mut failures: u32 = 0;
    let mut last_purge = tokio::time::Instant::now();
    loop {
        if listener.is_none() {
            listener = listen(&pool).await;
        }
        match relay_pending(&pool, &bus, outbox, settings.batch_size).await {
            Ok(relayed) => {
                if relayed > 0 {
                    tracing::debug!(relayed, schema = %outbox.schema(), "Relayed outbox events.");
                }
                failures = 0;
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                tracing::warn!(error = %nexus_http::error::cause_chain(&error), failures, schema = %outbox.schema(), "Relaying the outbox failed; will retry.");
            }
        }
        if last_purge.elapsed() > Duration::from_secs(3600) {
            last_purge = tokio::time::Instant::now();
            if let Err(error) = outbox.purge_published(&pool, settings.retention).await {
                tracing::warn!(error = %error, "Purging relayed outbox rows failed.");
            }
        }
        // Back off while Redis or PostgreSQL is failing; otherwise wait for a commit
        // notification, with the poll interval as a safety net for lost notifications.
        let pause = if failures > 0 {
            settings.poll_interval.saturating_mul(failures.min(30))
        } else {
            settings.poll_interval
        };
        tokio::select! {
            () = shutdown.cancelled() => return Ok(()),
            woke = wait_for_notification(&mut listener, outbox), if failures == 0 => {
                if !woke {
                    listener = None;
                }
            }
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// Relays until the outbox is empty; returns how many rows were relayed.
async fn relay_pending(
    pool: &PgPool,
    bus: &Bus,
    outbox: Outbox,
    batch_size: i64,
) -> Result<usize, RelayError> {
    let mut total = 0;
    loop {
        let mut transaction = pool.begin().await.map_err(DbError::from)?;
        let batch = outbox.claim_batch(&mut transaction, batch_size).await?;
        if batch.is_empty() {
            transaction.commit().await.map_err(DbError::from)?;
            return Ok(total);
        }
        let messages: Vec<(&str, &nexus_proto::event::RawEnvelope)> = batch
            .iter()
            .map(|row| (row.stream.as_str(), &row.envelope))
            .collect();
        if let Err(error) = bus.publish_raw_batch(&messages).await {
            drop(transaction);
            for row in &batch {
                let _ = outbox
                    .record_failure(pool, row.id, &error.to_string())
                    .await;
            }
            return Err(RelayError::Publish(error));
        }
        let ids: Vec<uuid::Uuid> = batch.iter().map(|row| row.id).collect();
        outbox.mark_published(&mut transaction, &ids).await?;
        transaction.commit().await.map_err(DbError::from)?;
        total += batch.len();
        if batch.len() < usize::try_from(batch_size).unwrap_or(usize::MAX) {
            return Ok(total);
        }
    }
}

async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen(OUTBOX_CHANNEL).await.ok()?;
    Some(listener)
}

/// Waits for a notification about this outbox's schema; `false` when the listener broke.
async fn wait_for_notification(listener: &mut Option<PgListener>, outbox: Outbox) -> bool {
    let Some(active) = listener.as_mut() else {
        return std::future::pending().await;
    };
    loop {
        match active.recv().await {
            Ok(notification) if notification.payload() == outbox.schema().as_str() => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("publishing to Redis failed")]
    Publish(#[source] nexus_bus::BusError),
}
