//! Why a policy text was refused.

use serde::Serialize;

/// One problem Cedar found, located in the source it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDiagnostic {
    /// Name of the policy source (e.g. `bounty.cedar`).
    pub source_name: String,
    /// The `@id` of the policy concerned, when the problem belongs to one policy.
    pub policy_id: Option<String>,
    /// Cedar's description of the problem.
    pub message: String,
    /// 1-based line in the source, when Cedar located the problem.
    pub line: Option<u32>,
    /// 1-based column (in characters) in the source, when Cedar located the problem.
    pub column: Option<u32>,
}

impl std::fmt::Display for PolicyDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source_name)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(policy_id) = &self.policy_id {
            write!(f, " (policy {policy_id:?})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A policy set could not be built. Each variant has a stable [`code`](PolicyError::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The text is not Cedar.
    #[error("policy text does not parse: {}", join(.0))]
    Parse(Vec<PolicyDiagnostic>),
    /// The text parses but does not fit the schema (unknown entity, attribute or action, wrong
    /// type), or the validator warns (a policy that can never apply, confusable Unicode).
    #[error("policies do not validate against the schema: {}", join(.0))]
    Validation(Vec<PolicyDiagnostic>),
    /// A policy has no `@id("...")` annotation.
    #[error("every policy needs an @id(\"...\") annotation: {0}")]
    MissingId(PolicyDiagnostic),
    /// Two policies share an `@id`.
    #[error("policy id {0:?} is used twice")]
    DuplicateId(String),
    /// The text holds a template (`?principal`/`?resource`); only static policies are supported.
    #[error("templates are not supported: {0}")]
    TemplateNotSupported(PolicyDiagnostic),
    /// The schema itself is broken (a bug in the shipped schema).
    #[error("the policy schema is invalid: {0}")]
    Schema(String),
}

impl PolicyError {
    /// The stable machine-readable code, as in docs/ERRORS.md.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::Parse(_) => "policy_parse_failed",
            PolicyError::Validation(_) => "policy_validation_failed",
            PolicyError::MissingId(_) => "policy_id_missing",
            PolicyError::DuplicateId(_) => "policy_id_duplicate",
            PolicyError::TemplateNotSupported(_) => "policy_template_unsupported",
            PolicyError::Schema(_) => "policy_schema_invalid",
        }
    }

    /// The located problems, for an admin endpoint to show next to the text.
    pub fn diagnostics(&self) -> &[PolicyDiagnostic] {
        match self {
            PolicyError::Parse(diagnostics) | PolicyError::Validation(diagnostics) => diagnostics,
            PolicyError::MissingId(diagnostic) | PolicyError::TemplateNotSupported(diagnostic) => {
                std::slice::from_ref(diagnostic)
            }
            PolicyError::DuplicateId(_) | PolicyError::Schema(_) => &[],
        }
    }
}

fn join(diagnostics: &[PolicyDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
