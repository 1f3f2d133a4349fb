//! `GET /internal/v1/users/{id}/wallets`: an account's linked wallets, for services that relay
//! what a wallet signed on the account's behalf (nexus-bounty checks that the signer of an intent
//! is a wallet of the caller). Service token only: the route is internal.

use actix_web::web;
use nexus_core::UserId;
use nexus_http::ApiError;
use nexus_proto::user::WalletList;

use crate::UserService;

/// 200 with the wallets, oldest first; 404 `user_not_found` for an unknown account.
pub async fn list_internal_wallets(
    service: web::Data<UserService>,
    path: web::Path<UserId>,
) -> Result<web::Json<WalletList>, ApiError> {
    let user_id = path.into_inner();
    // The account must exist: an empty list would otherwise hide a wrong id.
    service.store.get(user_id).await?;
    let rows = service.store.list_wallets(user_id).await?;
    Ok(web::Json(WalletList {
        wallets: rows.iter().map(|row| row.to_wire()).collect(),
    }))
}
