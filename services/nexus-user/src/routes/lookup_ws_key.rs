//! `GET /internal/v1/ws-keys/{public_key_hex}`: whose key this is (the gateway's WebSocket
//! sign-in).

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::user::WsKeyOwner;

use crate::UserService;
use crate::domain::ws_key::normalize_hex_key;
use crate::error::UserError;

/// 200 `{key_id, user_id, roles}`; 404 `unknown_key` (revoked keys, and keys of disabled
/// accounts, are unknown); 400 `malformed_key` when the path is not 64 hex digits.
pub async fn lookup_ws_key(
    service: web::Data<UserService>,
    path: web::Path<String>,
) -> Result<web::Json<WsKeyOwner>, ApiError> {
    let public_key_hex = normalize_hex_key(&path).ok_or(UserError::MalformedKey)?;
    let owner = service
        .store
        .find_ws_key_owner(&public_key_hex)
        .await?
        .ok_or(UserError::UnknownKey)?;
    Ok(web::Json(owner))
}
