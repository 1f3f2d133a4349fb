//! The Redis report cache, keyed by SHA-256 and rules version: a report is valid for exactly
//! the bytes and rules it was made with, so the key never needs invalidating, only expiring.

use std::time::Duration;

use nexus_bus::Bus;
use nexus_core::Sha256;
use nexus_proto::report::AnalysisReport;

use crate::error::AnalysisError;

/// Reports by `(sha256, ruleset_version)`.
#[derive(Debug, Clone)]
pub struct ReportCache {
    bus: Bus,
    ttl: Duration,
}

impl ReportCache {
    /// A cache on the bus's Redis (same key prefix), entries living `ttl`.
    pub fn new(bus: Bus, ttl: Duration) -> Self {
        Self { bus, ttl }
    }

    fn key(&self, sha256: &Sha256, ruleset_version: &str) -> String {
        self.bus
            .keys()
            .namespace("analysis")
            .key(&format!("report-cache:v1:{sha256}:{ruleset_version}"))
    }

    /// The cached report, if any. An entry that no longer decodes counts as a miss.
    #[tracing::instrument(skip_all, fields(sha256 = %sha256))]
    pub async fn get(
        &self,
        sha256: &Sha256,
        ruleset_version: &str,
    ) -> Result<Option<AnalysisReport>, AnalysisError> {
        let cached: Option<String> = redis::cmd("GET")
            .arg(self.key(sha256, ruleset_version))
            .query_async(&mut self.bus.connection())
            .await?;
        Ok(cached.and_then(|json| serde_json::from_str(&json).ok()))
    }

    /// Caches a report.
    #[tracing::instrument(skip_all, fields(sha256 = %sha256))]
    pub async fn put(
        &self,
        sha256: &Sha256,
        ruleset_version: &str,
        report: &AnalysisReport,
    ) -> Result<(), AnalysisError> {
        let json = serde_json::to_string(report)
            .map_err(|error| AnalysisError::Corrupt(error.to_string()))?;
        redis::cmd("SET")
            .arg(self.key(sha256, ruleset_version))
            .arg(json)
            .arg("EX")
            .arg(self.ttl.as_secs().max(1))
            .query_async::<()>(&mut self.bus.connection())
            .await?;
        Ok(())
    }
}
