//! `GET /v1/users/me/referrals`: the caller's code and whom it referred.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::ReferralList;
use nexus_runtime::Caller;

use crate::UserService;
use crate::routes::own_account::own_account;

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
    let user_id = own_account(&caller, nexus_policy::Action::UserReadPrivate)?;
    let account = service.store.get(user_id).await?;
    let referrals = service.store.list_referrals(user_id).await?;
    Ok(web::Json(ReferralList {
        referral_code: account.referral_code,
        referrals,
    }))
}
