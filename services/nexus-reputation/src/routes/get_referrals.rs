//! `GET /v1/reputation/{user_id}/referrals`: the referral bonuses an account earned, shown with
//! its earnings in the dashboard.

use actix_web::web;
use nexus_http::ApiError;
use nexus_policy::{Action, Resource};
use nexus_proto::ErrorBody;
use nexus_proto::reputation::ReferralEarnings;
use nexus_runtime::Caller;
use uuid::Uuid;

use crate::ReputationService;

/// How many referrals the account completed and their bonuses together. Private to the account
/// (`user:read_private`: its owner and admins); anyone else is refused.
#[utoipa::path(
    get,
    path = "/v1/reputation/{user_id}/referrals",
    params(("user_id" = Uuid, Path, description = "The account's user id")),
    tag = "reputation",
    responses(
        (status = 200, description = "The account's referral bonuses (zero when none)", body = ReferralEarnings),
        (status = 401, description = "No or an invalid access token (`unauthenticated`, `token_*`)", body = ErrorBody),
        (status = 403, description = "Another account's (`forbidden`)", body = ErrorBody),
        (status = 503, description = "The database is unreachable (`database_unavailable`)", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn get_referrals(
    service: web::Data<ReputationService>,
    caller: Caller,
    path: web::Path<Uuid>,
) -> Result<web::Json<ReferralEarnings>, ApiError> {
    let user_id = path.into_inner();
    caller.authorize(
        Action::UserReadPrivate,
        Resource::UserAccount {
            id: user_id.to_string(),
        },
    )?;
    let (completed, total) = service.store.referral_bonuses(user_id).await?;
    Ok(web::Json(ReferralEarnings {
        completed,
        total: total.to_string(),
    }))
}
