//! Bodies of the `/health` and `/ready` endpoints every service mounts.

use serde::{Deserialize, Serialize};

/// Body of `GET /health`: the process is alive and serving HTTP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthReport {
    /// Always `"ok"` when the endpoint answers at all.
    pub status: String,
    /// The service name, e.g. `nexus-bounty`.
    pub service: String,
    /// The crate version of the running binary.
    pub version: String,
}

/// Body of `GET /ready`: 200 when every dependency answered, 503 otherwise.
///
/// When not ready it also carries the fields of [`ErrorBody`](crate::ErrorBody) (`code` is
/// `not_ready`), so clients that only understand the error body still get a useful message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessReport {
    /// `"ready"` or `"not_ready"`.
    pub status: String,
    /// One entry per dependency, in a stable order.
    pub checks: Vec<DependencyCheck>,
    /// `not_ready` when a dependency is down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Which dependencies are down and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The request id, when not ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// The result of probing one dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyCheck {
    /// Dependency name: `postgres`, `redis`, `ethereum_rpc`, ...
    pub name: String,
    /// Whether it answered within the probe timeout.
    pub ok: bool,
    /// How long the probe took, in milliseconds.
    pub latency_ms: u64,
    /// Why it is down, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
