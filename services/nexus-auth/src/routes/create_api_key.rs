//! `POST /v1/api-keys`: creates an API key for the caller (shown once).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{TimeDelta, Utc};
use nexus_core::ApiKeyTier;
use nexus_http::ApiError;
use nexus_http::token::Authenticated;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::auth::{CreateApiKeyRequest, CreatedApiKey};
use nexus_runtime::authz::decide;
use serde_json::json;
use uuid::Uuid;

use crate::AuthService;
use crate::domain::secrets::{API_KEY_DISPLAY_CHARS, api_key, keyed_hash};
use crate::error::AuthError;
use crate::store::api_keys::NewApiKey;
use crate::store::audit::{AuditKind, AuditRecord};

/// Tiers a key may have; `standard` is the default and the only one non-admins may pick.
pub const TIERS: [&str; 3] = ApiKeyTier::NAMES;
/// Most scopes one key may carry.
const MAX_SCOPES: usize = 32;
/// Longest lifetime of a key, in days.
const MAX_DAYS: u32 = 3650;

/// Creates a key. Scopes are action names (`analysis:submit`); the key never grants more than
/// its holder's roles, since every request made with it is still checked by policy.
#[utoipa::path(
    post,
    path = "/v1/api-keys",
    tag = "auth",
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "The key, shown once", body = CreatedApiKey),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "Not allowed (role, MFA or API-key token)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_api_key(
    service: web::Data<AuthService>,
    request: HttpRequest,
    caller: Authenticated,
    body: nexus_http::Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let claims = caller.0;
    let user_id = service.own_account(&claims, Action::UserUpdate)?;
    let body = body.into_inner();
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AuthError::field("name", "must be 1 to 100 characters").into());
    }
    // PostgreSQL text cannot hold NUL: refused here, not a 500 from the store.
    if name.contains('\0') {
        return Err(AuthError::field("name", "must not contain NUL characters").into());
    }
    if body.scopes.is_empty() || body.scopes.len() > MAX_SCOPES {
        return Err(
            AuthError::field("scopes", format!("give 1 to {MAX_SCOPES} action names")).into(),
        );
    }
    let mut scopes = Vec::with_capacity(body.scopes.len());
    for scope in &body.scopes {
        let action: Action = scope.parse().map_err(|_| {
            AuthError::field(
                "scopes",
                format!("{scope:?} is not an action name such as \"analysis:submit\""),
            )
        })?;
        if !scopes.contains(&action.as_str().to_owned()) {
            scopes.push(action.as_str().to_owned());
        }
    }
    let tier = match body.tier.as_deref() {
        None => ApiKeyTier::Standard,
        Some(text) => text.parse().map_err(|_| {
            AuthError::field("tier", format!("must be one of {}", TIERS.join(", ")))
        })?,
    };
    // A tier sets the key's quota and rate limits: the policies say who may grant more.
    if tier != ApiKeyTier::Standard
        && !decide(
            &service.policies,
            &claims,
            Action::AdminGrantKeyTier,
            Resource::Platform,
        )
        .allowed
    {
        return Err(AuthError::Forbidden(
            "only administrators may choose a tier other than standard".into(),
        )
        .into());
    }
    let expires_at = match body.expires_in_days {
        Some(days) if days == 0 || days > MAX_DAYS => {
            return Err(
                AuthError::field("expires_in_days", format!("must be 1 to {MAX_DAYS}")).into(),
            );
        }
        Some(days) => Some(Utc::now() + TimeDelta::days(i64::from(days))),
        None => None,
    };

    let key = api_key();
    let new_key = NewApiKey {
        id: Uuid::now_v7(),
        user_id,
        name,
        prefix: key.chars().take(API_KEY_DISPLAY_CHARS).collect(),
        key_hash: keyed_hash(service.server_secret.bytes(), &key),
        scopes,
        // The validator refused tokens naming unknown roles, so this parse cannot fail.
        roles: claims.roles()?,
        tier,
        expires_at,
    };
    let ip = service.client_ip(&request).map(|ip| ip.to_string());
    let audit = AuditRecord::new(AuditKind::ApiKeyCreated)
        .actor(user_id.to_string())
        .subject(new_key.id.to_string())
        .ip(ip)
        .detail(json!({ "name": new_key.name, "scopes": new_key.scopes, "tier": new_key.tier.as_str() }));
    let info = service
        .store
        .create_api_key(&new_key, &audit)
        .await
        .map_err(AuthError::from)?;
    Ok(HttpResponse::Created().json(CreatedApiKey { key, info }))
}
