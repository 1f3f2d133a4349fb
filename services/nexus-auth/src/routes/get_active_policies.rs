//! `GET /internal/v1/policies/active` (docs/INTERNAL_API.md): the published policy set.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::auth::{ActivePolicies, PolicySourceBody};

use crate::AuthService;
use crate::error::AuthError;

/// The active version with its sources, from the database (the source of truth).
pub async fn get_active_policies(
    service: web::Data<AuthService>,
) -> Result<web::Json<ActivePolicies>, ApiError> {
    let Some(active) = service
        .store
        .active_policies()
        .await
        .map_err(AuthError::from)?
    else {
        return Err(AuthError::Internal("no policy version is stored".into()).into());
    };
    Ok(web::Json(ActivePolicies {
        version: active.version,
        digest: active.digest,
        sources: active
            .sources
            .into_iter()
            .map(|source| PolicySourceBody {
                name: source.name,
                text: source.text,
            })
            .collect(),
    }))
}
