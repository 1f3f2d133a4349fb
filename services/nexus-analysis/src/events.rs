//! Publishing the service's events.
//!
//! - `AnalysisCompleted`, `RulesetPublished` and the job events (`AnalysisRequested`,
//!   `RetrohuntRequested`) go through the outbox, in the transaction of the change they announce
//!   (see the routes and [`crate::worker`]).
//! - `AnalysisProgress` is live only: a bare pub/sub `PUBLISH` on the channel the bus uses for
//!   `nexus:analysis:progress:v1`, so the gateway's WebSocket hub receives it like any live
//!   event. Progress is advisory and superseded within seconds; writing every stage to the
//!   outbox and a stream would cost a transaction and a stream entry per stage for something a
//!   client can always re-read with `GET /v1/analyses/{id}`. A dropped progress message is
//!   harmless; the final state always arrives durably as `AnalysisCompleted`.

use nexus_bus::Bus;
use nexus_core::Sha256;
use nexus_proto::analysis::{AnalysisProgress, AnalysisStatus};
use nexus_proto::{Envelope, Event};
use uuid::Uuid;

/// Publishes a stage update on pub/sub only. Failures are logged, never returned: progress
/// must not fail an analysis.
pub async fn publish_progress(
    bus: &Bus,
    analysis_id: Uuid,
    sha256: &Sha256,
    status: AnalysisStatus,
    stage: &str,
) {
    let envelope = Envelope::new(AnalysisProgress {
        analysis_id,
        sha256: sha256.clone(),
        status,
        stage: stage.to_owned(),
    });
    let Ok(json) = serde_json::to_string(&envelope) else {
        return;
    };
    let published: Result<i64, redis::RedisError> = redis::cmd("PUBLISH")
        .arg(bus.key(AnalysisProgress::STREAM))
        .arg(json)
        .query_async(&mut bus.connection())
        .await;
    if let Err(error) = published {
        tracing::debug!(error = %error, analysis_id = %analysis_id, "Publishing analysis progress failed.");
    }
}
