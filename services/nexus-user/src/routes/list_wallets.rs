//! `GET /v1/users/me/wallets`: the caller's linked wallets.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::WalletList;

use crate::UserService;
use crate::routes::Caller;

/// 200 with the wallets, oldest first.
#[utoipa::path(
    get,
    path = "/v1/users/me/wallets",
    tag = "users",
    responses(
        (status = 200, description = "Linked wallets", body = WalletList),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn list_wallets(
    service: web::Data<UserService>,
    caller: Caller,
) -> Result<web::Json<WalletList>, ApiError> {
    caller.require_scope(nexus_policy::Action::UserReadPrivate)?;
    let rows = service.store.list_wallets(caller.user_id).await?;
    Ok(web::Json(WalletList {
        wallets: rows.iter().map(|row| row.to_wire()).collect(),
    }))
}
