//! The answer to a [`Request`](crate::Request).

use serde::{Deserialize, Serialize};

/// Allowed or denied, and which policies decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The request is allowed. Cedar denies by default: with no matching permit, or with any
    /// matching forbid, this is false.
    pub allowed: bool,
    /// `@id`s of the policies that decided: the satisfied permits when allowed, the satisfied
    /// forbids when denied (empty when denied because nothing permitted it). Sorted.
    pub determining_policies: Vec<String>,
    /// Problems met while deciding. A policy that errors is skipped, so a decision can still be
    /// reached; any error here deserves a log line.
    pub errors: Vec<DecisionError>,
}

impl Decision {
    /// A denial decided before any policy ran.
    pub(crate) fn refused(error: DecisionError) -> Self {
        Decision {
            allowed: false,
            determining_policies: Vec::new(),
            errors: vec![error],
        }
    }
}

/// One problem met while deciding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionError {
    /// Stable code: `action_resource_mismatch`, `request_invalid` or `policy_evaluation_failed`.
    pub code: String,
    /// The policy that failed to evaluate, for `policy_evaluation_failed`.
    pub policy_id: Option<String>,
    /// What went wrong, for people.
    pub message: String,
}
