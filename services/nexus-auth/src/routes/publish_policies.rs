//! `POST /v1/policies`: publishes a new policy version (outbox event `PoliciesPublished`).

use actix_web::{HttpRequest, HttpResponse, web};
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::{Action, Policies};
use nexus_proto::ErrorBody;
use nexus_proto::auth::{PoliciesRequest, PublishedPolicies};
use serde_json::json;

use super::validate_policies::sources_of;
use crate::AuthService;
use crate::error::AuthError;
use crate::store::audit::{AuditKind, AuditRecord};

/// Validates and publishes the set as the next version; it is in force here at once and in
/// other processes when they receive `PoliciesPublished`. Invalid sets are 422 with the
/// policy error's code; `POST /v1/policies/validate` lists every problem with its location.
#[utoipa::path(
    post,
    path = "/v1/policies",
    tag = "auth",
    request_body = PoliciesRequest,
    responses(
        (status = 201, description = "Published as a new version", body = PublishedPolicies),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Not allowed (role, MFA or API-key token)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn publish_policies(
    service: web::Data<AuthService>,
    request: HttpRequest,
    caller: Authenticated,
    body: nexus_http::Json<PoliciesRequest>,
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
