//! `POST /v1/users/me/ws-keys`: register an Ed25519 public key for WebSocket sign-in, with
//! proof that the caller holds its private key (a signature over a server challenge).

use actix_web::{HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_proto::user::RegisterWsKeyRequest;
use nexus_proto::user::WsKey;

use crate::UserService;
use crate::domain::profile::{FieldRule, check_field};
use crate::domain::ws_key::{parse_public_key, registration_message, verify_possession};
use crate::error::UserError;
use crate::routes::own_account::own_account;
use crate::store::ws_keys::NewWsKey;
use nexus_runtime::Caller;

const LABEL: FieldRule = FieldRule {
    name: "label",
    max_chars: 64,
    https_url: false,
};

/// Hex or base64; 400 `malformed_key` / `weak_key`; 400 `ws_key_proof_required` without a
/// challenge and signature, `ws_key_challenge_unknown` for a challenge that is unknown, used,
/// expired or another account's, `ws_key_signature_invalid` when the key did not sign the
/// registration message; 409 `ws_key_taken`. 201 with the key. The challenge is consumed by
/// the first registration naming it, successful or not.
#[utoipa::path(
    post,
    path = "/v1/users/me/ws-keys",
    tag = "users",
    request_body = RegisterWsKeyRequest,
    responses(
        (status = 201, description = "Registered", body = WsKey),
        (status = 400, description = "Malformed or weak key (`malformed_key`, `weak_key`); missing or failed proof of possession (`ws_key_proof_required`, `ws_key_challenge_unknown`, `ws_key_signature_invalid`)", body = ErrorBody),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn register_ws_key(
    service: web::Data<UserService>,
    caller: Caller,
    context: RequestContext,
    body: nexus_http::Json<RegisterWsKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, nexus_policy::Action::UserUpdate)?;
    let public_key_hex = parse_public_key(&body.public_key).map_err(UserError::from)?;
    let label = check_field(LABEL, body.label.as_deref()).map_err(UserError::from)?;
    let (Some(challenge), Some(signature)) = (body.challenge.as_deref(), body.signature.as_deref())
    else {
        return Err(UserError::WsKeyProofRequired.into());
    };
    // Taken before the signature is checked: a failed attempt burns the challenge too.
    let issued_to = service.ws_key_challenges.take(challenge).await?;
    if issued_to != Some(user_id) {
        return Err(UserError::WsKeyChallengeUnknown.into());
    }
    let message = registration_message(&user_id.to_string(), &public_key_hex, challenge);
    verify_possession(&public_key_hex, &message, signature).map_err(UserError::from)?;
    let traceparent = context.trace.to_string();
    let key = NewWsKey {
        user_id,
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
