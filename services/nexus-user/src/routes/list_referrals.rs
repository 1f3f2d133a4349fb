//! `GET /v1/users/me/referrals`: the caller's code and whom it referred.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::ReferralList;

use crate::UserService;
use crate::routes::Caller;

/// 200 with the code and the referrals, newest first.
#[utoipa::path(
    get,
    path = "/v1/users/me/referrals",
    tag = "users",
    responses(
        (status = 200, description = "Referral code and referrals", body = ReferralList),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn list_referrals(
    service: web::Data<UserService>,
    caller: Caller,
) -> Result<web::Json<ReferralList>, ApiError> {
    caller.require_scope(nexus_policy::Action::UserReadPrivate)?;
    let account = service.store.get(caller.user_id).await?;
    let referrals = service.store.list_referrals(caller.user_id).await?;
    Ok(web::Json(ReferralList {
        referral_code: account.referral_code,
        referrals,
    }))
}
