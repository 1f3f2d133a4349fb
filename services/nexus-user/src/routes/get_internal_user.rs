//! `GET /internal/v1/users/{id}`: the account summary other services need.

use actix_web::web;
use nexus_core::UserId;
use nexus_http::ApiError;
use nexus_proto::user::AccountSummary;

use crate::UserService;

/// 200 with the summary, 404 `user_not_found`.
pub async fn get_internal_user(
    service: web::Data<UserService>,
    path: web::Path<UserId>,
) -> Result<web::Json<AccountSummary>, ApiError> {
    let account = service.store.get(path.into_inner()).await?;
    Ok(web::Json(account.summary()))
}
