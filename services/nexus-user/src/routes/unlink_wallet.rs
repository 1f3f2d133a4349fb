//! `DELETE /v1/users/me/wallets/{address}`: unlink one of the caller's wallets.

use actix_web::{HttpResponse, web};
use nexus_http::{ApiError, RequestContext};
use nexus_proto::ErrorBody;
use nexus_runtime::Caller;

use crate::UserService;
use crate::domain::wallet::parse_wallet_address;
use crate::error::UserError;
use crate::routes::own_account::own_account;

/// 204; 404 `wallet_not_found` when the caller has no such wallet.
#[utoipa::path(
    delete,
    path = "/v1/users/me/wallets/{address}",
    params(("address" = String, Path, description = "The wallet's address: `0x` and 40 hex digits, all lower-case or all upper-case (mixed case only as its EIP-55 checksum)", pattern = "^0x([0-9a-f]{40}|[0-9A-F]{40})$")),
    tag = "users",
    responses(
        (status = 204, description = "Unlinked"),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody),
        (status = 404, description = "Not linked to the caller", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn unlink_wallet(
    service: web::Data<UserService>,
    caller: Caller,
    context: RequestContext,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user_id = own_account(&caller, nexus_policy::Action::UserUpdate)?;
    let address = parse_wallet_address(&path).map_err(UserError::from)?;
    let traceparent = context.trace.to_string();
    service
        .store
        .unlink_wallet(user_id, address, Some(&traceparent))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
