//! `POST /v1/users/me/ws-keys`: register an Ed25519 public key for WebSocket sign-in.

use actix_web::{HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_proto::user::RegisterWsKeyRequest;
use nexus_proto::user::WsKey;

use crate::UserService;
use crate::domain::profile::{FieldRule, check_field};
use crate::domain::ws_key::parse_public_key;
use crate::error::UserError;
use crate::routes::Caller;
use crate::store::ws_keys::NewWsKey;

const LABEL: FieldRule = FieldRule {
    name: "label",
    max_chars: 64,
    https_url: false,
};

/// Hex or base64; 400 `malformed_key` / `weak_key`; 409 `ws_key_taken`. 201 with the key.
#[utoipa::path(
    post,
    path = "/v1/users/me/ws-keys",
    tag = "users",
    request_body = RegisterWsKeyRequest,
    responses(
        (status = 201, description = "Registered", body = WsKey),
        (status = 400, description = "Malformed or weak key (`malformed_key`, `weak_key`)", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn register_ws_key(
    service: web::Data<UserService>,
    caller: Caller,
    context: RequestContext,
    body: web::Json<RegisterWsKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let public_key_hex = parse_public_key(&body.public_key).map_err(UserError::from)?;
    let label = check_field(LABEL, body.label.as_deref()).map_err(UserError::from)?;
    let traceparent = context.trace.to_string();
    let key = NewWsKey {
        user_id: caller.user_id,
        public_key_hex: &public_key_hex,
        label,
        max_per_user: service.settings.limits.max_ws_keys_per_user,
    };
    let row = service
        .store
        .register_ws_key(&key, Some(&traceparent))
        .await?;
    Ok(HttpResponse::Created().json(row.to_wire()))
}
