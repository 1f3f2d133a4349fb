//! `POST /internal/v1/api-keys/introspect` (docs/INTERNAL_API.md): is this API key active, and
//! a short-lived access token for its holder.

use actix_web::web;
use nexus_http::{ApiError, RequestContext};
use nexus_proto::auth::{IntrospectRequest, IntrospectResponse};

use crate::AuthService;
use crate::domain::secrets::{is_api_key_shaped, keyed_hash, same_secret};
use crate::error::AuthError;
use crate::tokens::{AMR_API_KEY, Principal, methods};
use crate::users::AccountStanding;

fn inactive() -> IntrospectResponse {
    IntrospectResponse {
        active: false,
        key_id: None,
        user_id: None,
        roles: None,
        scopes: None,
        tier: None,
        access_token: None,
        expires_in: None,
    }
}

/// Introspects a key (RFC 7662 style: unknown, revoked and expired keys are `active: false`,
/// and so are keys of disabled accounts). The minted token carries the holder's roles and status
/// as they are now, not as they were when the key was created.
pub async fn introspect_api_key(
    service: web::Data<AuthService>,
    context: RequestContext,
    body: nexus_http::Json<IntrospectRequest>,
) -> Result<web::Json<IntrospectResponse>, ApiError> {
    let key = body.into_inner().key;
    if !is_api_key_shaped(&key) {
        service.metrics.introspection("unknown");
        return Ok(web::Json(inactive()));
    }
    let hash = keyed_hash(service.server_secret.bytes(), &key);
    let Some(found) = service
        .store
        .find_api_key(&hash)
        .await
        .map_err(AuthError::from)?
    else {
        service.metrics.introspection("unknown");
        return Ok(web::Json(inactive()));
    };
    if !same_secret(&found.key_hash, &hash) {
        service.metrics.introspection("unknown");
        return Ok(web::Json(inactive()));
    }
    let call = nexus_runtime::call_context(&context);
    let Some(account) = service
        .users
        .get(&call, found.user_id)
        .await?
        .filter(AccountStanding::is_active)
    else {
        service.metrics.introspection("holder_inactive");
        return Ok(web::Json(inactive()));
    };
    service
        .store
        .touch_api_key(found.id)
        .await
        .map_err(AuthError::from)?;
    service.metrics.introspection("active");
    let ttl = service.settings.api_key_token_ttl;
    let amr = methods(AMR_API_KEY);
    let access_token = service.access_token(
        &Principal {
            user_id: found.user_id,
            roles: &account.roles,
            amr: &amr,
            scope: Some(found.scopes.join(" ")),
            status: account.token_status(),
            api_key_id: Some(found.id.to_string()),
        },
        ttl,
    )?;
    Ok(web::Json(IntrospectResponse {
        active: true,
        key_id: Some(found.id),
        user_id: Some(found.user_id.as_uuid()),
        roles: Some(account.roles.iter().map(ToString::to_string).collect()),
        scopes: Some(found.scopes),
        tier: Some(found.tier),
        access_token: Some(access_token),
        expires_in: Some(ttl.as_secs()),
    }))
}
