//! `POST /v1/policies`: publishes a new policy version (outbox event `PoliciesPublished`).

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::{Action, Policies};
use nexus_proto::auth::{PoliciesRequest, PublishedPolicies};
use serde_json::json;

use super::validate_policies::sources_of;
use crate::AuthService;
use crate::error::AuthError;
use crate::store::audit::{AuditKind, AuditRecord};

/// Validates and publishes the set as the next version; it is in force here at once and in
/// other processes when they receive `PoliciesPublished`. Invalid sets are 422 with the
/// policy error's code; `POST /v1/policies/validate` lists every problem with its location.
pub async fn publish_policies(
    service: web::Data<AuthService>,
    request: HttpRequest,
    caller: Authenticated,
    body: web::Json<PoliciesRequest>,
) -> Result<HttpResponse, ApiError> {
    let ip = service.client_ip(&request);
    service.authorize_admin(&caller.0, Action::AdminManagePolicies, ip)?;
    let body = body.into_inner();
    if body
        .comment
        .as_ref()
        .is_some_and(|comment| comment.chars().count() > 500)
    {
        return Err(AuthError::field("comment", "must be at most 500 characters").into());
    }
    let sources = sources_of(&body)?;
    let policies = Policies::from_sources(&sources).map_err(AuthError::from)?;
    let digest = policies.version().to_string();
    let audit = AuditRecord::new(AuditKind::PoliciesPublished)
        .actor(caller.0.sub.clone())
        .subject("policies")
        .ip(ip.map(|ip| ip.to_string()))
        .detail(json!({
            "digest": digest,
            "policy_ids": policies.policy_ids(),
            "comment": body.comment,
        }));
    let version = service
        .store
        .publish_policies(
            &digest,
            &sources,
            body.comment.as_deref(),
            &caller.0.sub,
            audit,
        )
        .await
        .map_err(AuthError::from)?;
    service.policies.replace(version, policies);
    Ok(HttpResponse::Created().json(PublishedPolicies { version, digest }))
}
