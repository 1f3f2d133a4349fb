//! `POST /internal/v1/users/{id}/revoke-tokens` (auth's sign-out everywhere): voids every token
//! and session of the account issued before now.

use actix_web::web;
use nexus_core::UserId;
use nexus_http::ApiError;
use nexus_proto::user::TokensRevokedResponse;
use nexus_runtime::revocation::RevocationReason;

use crate::UserService;
use crate::revocations::announce;

/// 200 with the new mark (auth refuses refresh tokens of older sessions with it), 404
/// `user_not_found`. The gateways learn it within seconds.
pub async fn revoke_tokens(
    service: web::Data<UserService>,
    path: web::Path<UserId>,
) -> Result<web::Json<TokensRevokedResponse>, ApiError> {
    let user_id = path.into_inner();
    let mark = service.store.revoke_tokens(user_id).await?;
    announce(
        &service.bus,
        user_id,
        mark,
        RevocationReason::SignedOutEverywhere,
    )
    .await;
    tracing::info!(user_id = %user_id, "Every session of an account was revoked.");
    Ok(web::Json(TokensRevokedResponse {
        tokens_not_before: mark,
    }))
}
