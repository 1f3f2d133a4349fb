//! `GET /internal/v1/wallets/{address}`: the account a wallet is linked to, for services that
//! turn chain facts about a wallet into an account's feed (nexus-bounty's `EarningsChanged` on
//! `user:{id}`). Service token only: the route is internal.

use actix_web::web;
use nexus_core::ChainAddress;
use nexus_http::ApiError;
use nexus_proto::bounty_me::WalletOwner;

use crate::UserService;
use crate::error::UserError;

/// 200 `{user_id, address, chain_id}`; 404 `wallet_not_found` when no account links it; 400
/// `invalid_wallet_address` when the path is not `0x` + 40 hex digits (any case; a mixed-case
/// address must carry a valid EIP-55 checksum).
pub async fn get_wallet_owner(
    service: web::Data<UserService>,
    path: web::Path<String>,
) -> Result<web::Json<WalletOwner>, ApiError> {
    let address: ChainAddress = path.parse().map_err(|_| UserError::InvalidWalletAddress)?;
    let (user_id, row) = service
        .store
        .wallet_owner(address)
        .await?
        .ok_or(UserError::WalletNotFound)?;
    Ok(web::Json(WalletOwner {
        user_id,
        address: row.address,
        chain_id: u64::try_from(row.chain_id).unwrap_or_default(),
    }))
}
