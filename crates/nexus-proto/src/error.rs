//! The single JSON error body.

use serde::{Deserialize, Serialize};

/// The body of every non-2xx response from every Nexus service.
///
/// `code` is stable and machine-readable (snake_case, documented in docs/ERRORS.md); `message` is
/// for people and may change; `request_id` matches the `X-Request-Id` response header so a user can
/// quote it and an operator can find every log line of that request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable error code, e.g. `not_found`, `payload_too_large`.
    pub code: String,
    /// Human-readable explanation that tells the caller what to do next.
    pub message: String,
    /// The request id of the failed request.
    pub request_id: String,
}
