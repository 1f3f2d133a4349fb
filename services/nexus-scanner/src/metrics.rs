//! The scanner service's own metrics, registered on the process registry (served on the admin
//! port's `/metrics` beside the runtime's HTTP metrics).
//!
//! None yet. Planned:
//! - `nexus_scanner_scans_total{outcome}`
//! - `nexus_scanner_scan_seconds`

use nexus_telemetry::MetricsRegistry;

/// Handles to the service's metric families (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct ScannerMetrics {}

impl ScannerMetrics {
    /// Registers the service's metric families on `registry`.
    pub fn register(registry: &MetricsRegistry) -> Self {
        let _ = registry;
        Self {}
    }
}
