//! `POST /v1/users/me/ws-keys/challenge`: a single-use challenge the key to register must sign
//! (proof of possession).

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::Action;
use nexus_proto::ErrorBody;
use nexus_proto::user::WsKeyChallenge;
use nexus_runtime::Caller;

use crate::UserService;
use crate::routes::own_account::own_account;

/// 201 `{challenge, expires_at}`: 64 hex digits, valid once for `user.ws_key_challenge.ttl`,
/// for this account only. Sign the registration message with the key (see
/// `RegisterWsKeyRequest.signature`) and post it with the key.
#[utoipa::path(
    post,
    path = "/v1/users/me/ws-keys/challenge",
    tag = "users",
    responses(
        (status = 201, description = "A challenge to sign", body = WsKeyChallenge),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 403, description = "An API key without the user:update scope", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn create_ws_key_challenge(
    service: web::Data<UserService>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, Action::UserUpdate)?;
    let (challenge, expires_at) = service.ws_key_challenges.issue(user_id).await?;
    Ok(HttpResponse::Created().json(WsKeyChallenge {
        challenge,
        expires_at,
    }))
}
