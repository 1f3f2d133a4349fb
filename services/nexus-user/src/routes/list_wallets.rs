//! `GET /v1/users/me/wallets`: the caller's linked wallets.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::WalletList;
use nexus_runtime::Caller;

use crate::UserService;
use crate::routes::own_account::own_account;

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
    let user_id = own_account(&caller, nexus_policy::Action::UserReadPrivate)?;
    let rows = service.store.list_wallets(user_id).await?;
    Ok(web::Json(WalletList {
        wallets: rows.iter().map(|row| row.to_wire()).collect(),
    }))
}
