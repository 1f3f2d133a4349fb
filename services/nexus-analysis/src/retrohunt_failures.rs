//! The retrohunt consumer's dead-letter report: when the bus gives up on a chunk, the hunt
//! ends `failed` with the reason instead of staying `running` for ever.
//!
//! It wraps [`RetrohuntJobs`] (which scans the chunks) so the failure path lives beside the
//! analysis worker's and the chunk logic stays in [`crate::retrohunt`].

use std::sync::Arc;

use nexus_bus::{DeadLetterNotice, Delivery, Handler, HandlerError};
use nexus_proto::Envelope;
use nexus_proto::analysis::RetrohuntRequested;

use crate::AnalysisService;
use crate::retrohunt::RetrohuntJobs;

/// [`RetrohuntJobs`] plus its dead-letter report.
#[derive(Debug, Clone)]
pub struct ReportedRetrohuntJobs {
    jobs: RetrohuntJobs,
    service: Arc<AnalysisService>,
}

impl ReportedRetrohuntJobs {
    /// The retrohunt handler over the service.
    pub fn new(service: Arc<AnalysisService>) -> Self {
        Self {
            jobs: RetrohuntJobs::new(Arc::clone(&service)),
            service,
        }
    }
}

impl Handler for ReportedRetrohuntJobs {
    type Event = RetrohuntRequested;

    async fn handle(
        &self,
        envelope: Envelope<RetrohuntRequested>,
        delivery: &Delivery,
    ) -> Result<(), HandlerError> {
        self.jobs.handle(envelope, delivery).await
    }

    async fn dead_lettered(
        &self,
        envelope: Envelope<RetrohuntRequested>,
        notice: &DeadLetterNotice,
    ) -> Result<(), HandlerError> {
        let id = envelope.payload.retrohunt_id;
        let reason = format!(
            "a chunk of the retrohunt was given up after {} deliveries ({}): {}",
            notice.delivery.attempt,
            notice.reason.code(),
            notice.detail
        );
        tracing::error!(retrohunt_id = %id, reason = %reason, "A retrohunt chunk was dead-lettered; marking the hunt failed.");
        self.service
            .store
            .fail_retrohunt(id, &reason)
            .await
            .map_err(HandlerError::retryable)
    }
}
