//! `GET /v1/users/me/ws-keys`: the caller's active WebSocket keys.

use actix_web::web;
use nexus_http::ApiError;
use nexus_proto::ErrorBody;
use nexus_proto::user::WsKeyList;
use nexus_runtime::Caller;

use crate::UserService;
use crate::routes::own_account::own_account;

/// 200 with the active keys, oldest first.
#[utoipa::path(
    get,
    path = "/v1/users/me/ws-keys",
    tag = "users",
    responses(
        (status = 200, description = "Active keys", body = WsKeyList),
        (status = 401, description = "Missing or invalid access token", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
pub async fn list_ws_keys(
    service: web::Data<UserService>,
    caller: Caller,
) -> Result<web::Json<WsKeyList>, ApiError> {
    let user_id = own_account(&caller, nexus_policy::Action::UserReadPrivate)?;
    let rows = service.store.list_ws_keys(user_id).await?;
    Ok(web::Json(WsKeyList {
        keys: rows.iter().map(|row| row.to_wire()).collect(),
    }))
}
