//! `GET /v1/users/me/wallets`: the caller's linked wallets.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::user::WalletList;

use crate::UserService;
use crate::routes::Caller;

/// 200 with the wallets, oldest first.
pub async fn list_wallets(
    service: web::Data<UserService>,
    caller: Caller,
) -> Result<web::Json<WalletList>, ApiError> {
    let rows = service.store.list_wallets(caller.user_id).await?;
    Ok(web::Json(WalletList {
        wallets: rows.iter().map(|row| row.to_wire()).collect(),
    }))
}
