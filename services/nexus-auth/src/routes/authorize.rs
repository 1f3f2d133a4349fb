//! `POST /v1/authorize`: decides a request with the published policies.

use actix_web::{HttpRequest, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::{Action, Decision, Principal, Request, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::auth::AuthorizationDenied;
use serde::{Deserialize, Serialize};

use crate::AuthService;
use crate::error::AuthError;
use crate::events::denial_record;
use nexus_runtime::authz::{decide, principal_of};

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

/// Decides `principal` doing `action` to `resource` in `context`. A caller may ask about
/// itself (the principal its token gives: id, role and banned status) or about a guest;
/// administrators (not API keys) may ask about anyone. Anything else is 403
/// `principal_mismatch`, so nobody writes denials into the audit log in another principal's
/// name. Denials are audited with the caller (from the validated token) as the actor.
#[utoipa::path(
    post,
    path = "/v1/authorize",
    tag = "auth",
    request_body = Request,
    responses(
        (status = 200, description = "`{allowed, determining_policies, errors, policy_version}`", body = Object),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "The principal is neither the caller nor a guest, and the caller is not an administrator (`principal_mismatch`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn authorize(
    service: web::Data<AuthService>,
    request: HttpRequest,
    caller: Authenticated,
    body: nexus_http::Json<Request>,
) -> Result<web::Json<AuthorizeResponse>, ApiError> {
    let claims = caller.0;
    let question = body.into_inner();
    // Asking about someone else inspects what they may do: the policies say who may.
    let may_ask_about_anyone = !claims.is_api_key()
        && decide(
            &service.policies,
            &claims,
            Action::AdminQueryPolicies,
            Resource::Platform,
        )
        .allowed;
    if !may_ask_about_anyone
        && question.principal != Principal::Guest
        && question.principal != principal_of(&claims)
    {
        return Err(AuthError::PrincipalMismatch.into());
    }
    let published = service.policies.current();
    let decision = published.policies.authorize(&question);
    if !decision.allowed {
        let principal = match &question.principal {
            Principal::Guest => "guest".to_owned(),
            Principal::User { id, .. } => id.clone(),
        };
        let denied = AuthorizationDenied {
            principal: principal.clone(),
            action: question.action.as_str().to_owned(),
            resource: resource_name(&question.resource),
            determining_policies: decision.determining_policies.clone(),
            service: "nexus-auth /v1/authorize".to_owned(),
            ip: service.client_ip(&request).map(|ip| ip.to_string()),
            request_id: Some(nexus_http::context::current_request_id()),
        };
        // The actor is who asked, from the validated token; the principal asked about is a
        // detail.
        let mut record = denial_record(&denied).actor(claims.sub.clone());
        if let Some(detail) = record.detail.as_object_mut() {
            detail.insert("principal".into(), principal.into());
        }
        service
            .store
            .audit(&record)
            .await
            .map_err(AuthError::from)?;
    }
    Ok(web::Json(AuthorizeResponse {
        decision,
        policy_version: published.revision,
    }))
}
