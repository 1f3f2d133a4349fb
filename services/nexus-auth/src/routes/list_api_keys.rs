//! `GET /v1/api-keys`: the caller's keys (never the keys themselves).

use actix_web::web;
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::auth::ApiKeyInfo;

use crate::AuthService;
use crate::error::AuthError;

/// Lists the caller's keys, newest first (at most 100).
#[utoipa::path(
    get,
    path = "/v1/api-keys",
    tag = "auth",
    responses(
        (status = 200, description = "The caller's keys (never the secrets)", body = [ApiKeyInfo]),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn list_api_keys(
    service: web::Data<AuthService>,
    caller: Authenticated,
) -> Result<web::Json<Vec<ApiKeyInfo>>, ApiError> {
    let user_id = service.own_account(&caller.0, Action::UserReadPrivate)?;
    Ok(web::Json(
        service
            .store
            .list_api_keys(user_id)
            .await
            .map_err(AuthError::from)?,
    ))
}
