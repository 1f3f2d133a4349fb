//! `POST /internal/v1/referrals/{user_id}/complete` (nexus-reputation, when the referred account's
//! first bounty resolves or its first assertion is judged right): completes the account's pending
//! referral and records `ReferralCompleted`. Service token only (the shared internal middleware);
//! a user's token, or no token, is refused before the handler runs.

use actix_web::web;
use nexus_core::UserId;
use nexus_http::{ApiError, RequestContext};
use nexus_proto::user::ReferralCompletion;

use crate::UserService;

/// 200 with `completed: true` and the referrer when a pending referral of `user_id` was completed now, `false`
/// when there was none (never referred, or completed already): a replay is harmless.
pub async fn complete_referral(
    service: web::Data<UserService>,
    context: RequestContext,
    path: web::Path<UserId>,
) -> Result<web::Json<ReferralCompletion>, ApiError> {
    let referred = path.into_inner();
    let traceparent = context.trace.to_string();
    let referrer_id = service
        .store
        .complete_referral(referred, Some(&traceparent))
        .await?;
    if referrer_id.is_some() {
        tracing::info!(user_id = %referred, "A referral completed.");
    }
    Ok(web::Json(ReferralCompletion {
        completed: referrer_id.is_some(),
        referrer_id,
    }))
}
