//! `POST /v1/users/me/ws-keys/challenge`: a single-use challenge the key to register must sign
//! (proof of possession).

use actix_web::{HttpResponse, web};
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::user::WsKeyChallenge;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::UserService;
use crate::error::UserError;

/// The signed-in caller's account id, after the policies agreed that the caller may change
/// that account (`user:update`; an API key needs that scope).
pub(crate) fn own_account(caller: &Caller) -> Result<Uuid, ApiError> {
    let claims = caller.require_signed_in()?;
    let user_id = Uuid::parse_str(&claims.sub).map_err(|_| UserError::InvalidSubject)?;
    caller.authorize(
        Action::UserUpdate,
        Resource::UserAccount {
            id: user_id.to_string(),
        },
    )?;
    Ok(user_id)
}

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
    let user_id = own_account(&caller)?;
    let (challenge, expires_at) = service.ws_key_challenges.issue(user_id).await?;
    Ok(HttpResponse::Created().json(WsKeyChallenge {
        challenge,
        expires_at,
    }))
}
