//! `POST /v1/authorize`: decides a request with the published policies.

use actix_web::{HttpRequest, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::{Decision, Principal, Request, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::auth::AuthorizationDenied;
use serde::{Deserialize, Serialize};

use crate::AuthService;
use crate::error::AuthError;
use crate::events::denial_record;

/// The answer: the decision, the policies that made it, and the policy version used.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizeResponse {
    /// The decision.
    #[serde(flatten)]
    pub decision: Decision,
    /// The published version that decided.
    pub policy_version: i64,
}

/// How a resource is named in the audit log: `Kind::"id"`.
fn resource_name(resource: &Resource) -> String {
    let id = match resource {
        Resource::Platform => "nexus",
        Resource::Bounty { id, .. }
        | Resource::Analysis { id, .. }
        | Resource::File { id, .. }
        | Resource::Ruleset { id, .. }
        | Resource::Retrohunt { id, .. }
        | Resource::UserAccount { id }
        | Resource::Notification { id, .. } => id.as_str(),
    };
    format!("{}::{id:?}", resource.kind().as_str())
}

/// Decides `principal` doing `action` to `resource` in `context`. Any signed-in caller (the
/// gateway, a service, a user) may ask; denials are audited.
#[utoipa::path(
    post,
    path = "/v1/authorize",
    tag = "auth",
    request_body = Object,
    responses(
        (status = 200, description = "`{allowed, determining_policies, errors, policy_version}`", body = Object),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn authorize(
    service: web::Data<AuthService>,
    request: HttpRequest,
    caller: Authenticated,
    body: web::Json<Request>,
) -> Result<web::Json<AuthorizeResponse>, ApiError> {
    let question = body.into_inner();
    let published = service.policies.current();
    let decision = published.policies.authorize(&question);
    if !decision.allowed {
        let principal = match &question.principal {
            Principal::Guest => "guest".to_owned(),
            Principal::User { id, .. } => id.clone(),
        };
        let denied = AuthorizationDenied {
            principal,
            action: question.action.as_str().to_owned(),
            resource: resource_name(&question.resource),
            determining_policies: decision.determining_policies.clone(),
            service: format!("nexus-auth (asked by {})", caller.0.sub),
            ip: service.client_ip(&request).map(|ip| ip.to_string()),
            request_id: Some(nexus_http::context::current_request_id()),
        };
        service
            .store
            .audit(&denial_record(&denied))
            .await
            .map_err(AuthError::from)?;
    }
    Ok(web::Json(AuthorizeResponse {
        decision,
        policy_version: published.revision,
    }))
}
