//! `POST /v1/policies/validate`: checks a policy set without publishing it.

use actix_web::{HttpRequest, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::{Action, Policies, PolicyError, PolicySource};
use nexus_proto::ErrorBody;
use nexus_proto::auth::{PoliciesRequest, PolicyProblem, PolicyValidation};

use crate::AuthService;
use crate::error::AuthError;

/// Most sources in one set.
const MAX_SOURCES: usize = 64;
/// Longest source name.
const MAX_NAME_CHARS: usize = 100;
/// Longest total text of a set, in bytes.
const MAX_TOTAL_BYTES: usize = 512 * 1024;

/// Checks sizes and names, and turns the body into policy sources.
pub(crate) fn sources_of(request: &PoliciesRequest) -> Result<Vec<PolicySource>, AuthError> {
    if request.sources.is_empty() || request.sources.len() > MAX_SOURCES {
        return Err(AuthError::field(
            "sources",
            format!("give 1 to {MAX_SOURCES} sources"),
        ));
    }
    let total: usize = request.sources.iter().map(|source| source.text.len()).sum();
    if total > MAX_TOTAL_BYTES {
        return Err(AuthError::field(
            "sources",
            format!("the texts total {total} bytes; at most {MAX_TOTAL_BYTES}"),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for source in &request.sources {
        if source.name.trim().is_empty() || source.name.chars().count() > MAX_NAME_CHARS {
            return Err(AuthError::field(
                "sources.name",
                format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
        if !names.insert(source.name.as_str()) {
            return Err(AuthError::field(
                "sources.name",
                format!("{:?} appears twice", source.name),
            ));
        }
    }
    Ok(request
        .sources
        .iter()
        .map(|source| PolicySource::new(source.name.clone(), source.text.clone()))
        .collect())
}

/// The located problems of a refused set.
pub(crate) fn problems_of(error: &PolicyError) -> Vec<PolicyProblem> {
    let diagnostics = error.diagnostics();
    if diagnostics.is_empty() {
        return vec![PolicyProblem {
            code: error.code().to_owned(),
            source_name: String::new(),
            policy_id: None,
            message: error.to_string(),
            line: None,
            column: None,
        }];
    }
    diagnostics
        .iter()
        .map(|diagnostic| PolicyProblem {
            code: error.code().to_owned(),
            source_name: diagnostic.source_name.clone(),
            policy_id: diagnostic.policy_id.clone(),
            message: diagnostic.message.clone(),
            line: diagnostic.line,
            column: diagnostic.column,
        })
        .collect()
}

/// Validates a complete policy set against the schema; 200 with `valid` and the problems.
#[utoipa::path(
    post,
    path = "/v1/policies/validate",
    tag = "auth",
    request_body = PoliciesRequest,
    responses(
        (status = 200, description = "Validation result with line and column of each error", body = PolicyValidation),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Not allowed (role, MFA or API-key token)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn validate_policies(
    service: web::Data<AuthService>,
    request: HttpRequest,
    caller: Authenticated,
    body: nexus_http::Json<PoliciesRequest>,
) -> Result<web::Json<PolicyValidation>, ApiError> {
    service.authorize_admin(
        &caller.0,
        Action::AdminManagePolicies,
        service.client_ip(&request),
    )?;
    let sources = sources_of(&body)?;
    Ok(web::Json(match Policies::from_sources(&sources) {
        Ok(policies) => PolicyValidation {
            valid: true,
            errors: Vec::new(),
            digest: Some(policies.version().to_string()),
        },
        Err(error) => PolicyValidation {
            valid: false,
            errors: problems_of(&error),
            digest: None,
        },
    }))
}
