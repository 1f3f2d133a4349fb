//! The user service's public API as OpenAPI (served at `/openapi.json`, merged by the gateway
//! under `/api`). Internal paths are deliberately absent.

use nexus_core::{AccountStatus, Role};
use nexus_http::openapi::{BearerAuth, SharedResponses, restrict_to_values};
use utoipa::{Modify, OpenApi};

use super::{
    change_password, change_role, change_status, confirm_password_reset, create_wallet_challenge,
    create_ws_key_challenge, get_me, get_user, link_wallet, list_referrals, list_wallets,
    list_ws_keys, register_user, register_ws_key, request_password_reset, revoke_ws_key,
    unlink_wallet, update_me,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(title = "nexus-user", description = "Accounts, profiles, roles, wallets, WebSocket keys and referrals."),
    paths(
        register_user::register_user,
        get_me::get_me,
        update_me::update_me,
        get_user::get_user,
        change_role::change_role,
        change_status::change_status,
        change_password::change_password,
        request_password_reset::request_password_reset,
        confirm_password_reset::confirm_password_reset,
        create_wallet_challenge::create_wallet_challenge,
        list_wallets::list_wallets,
        link_wallet::link_wallet,
        unlink_wallet::unlink_wallet,
        create_ws_key_challenge::create_ws_key_challenge,
        register_ws_key::register_ws_key,
        list_ws_keys::list_ws_keys,
        revoke_ws_key::revoke_ws_key,
        list_referrals::list_referrals,
    ),
    modifiers(&BearerAuth, &SharedResponses, &KnownNames),
    tags((name = "users", description = "Accounts and everything attached to them"))
)]
pub struct ApiDoc;

/// The names a role and an account status take: what `PUT /v1/users/{id}/role` and
/// `PUT /v1/users/{id}/status` check them against (an account is never given the guest role).
struct KnownNames;

impl Modify for KnownNames {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let roles = Role::ALL
            .into_iter()
            .filter(|role| *role != Role::Guest)
            .map(Role::as_str);
        restrict_to_values(openapi, "ChangeRoleRequest", "role", roles);
        restrict_to_values(
            openapi,
            "ChangeStatusRequest",
            "status",
            AccountStatus::NAMES,
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;
    use utoipa::OpenApi;

    #[test]
    fn roles_and_statuses_are_the_lists_the_handlers_check() {
        let document = serde_json::to_value(super::ApiDoc::openapi()).unwrap();
        let schemas = &document["components"]["schemas"];
        assert_eq!(
            schemas["ChangeRoleRequest"]["properties"]["role"]["enum"],
            json!(["user", "analyst", "admin"])
        );
        assert_eq!(
            schemas["ChangeStatusRequest"]["properties"]["status"]["enum"],
            json!(nexus_core::AccountStatus::NAMES)
        );
    }

    #[test]
    fn path_parameters_are_declared() {
        let document = serde_json::to_value(super::ApiDoc::openapi()).unwrap();
        let unlink = &document["paths"]["/v1/users/me/wallets/{address}"]["delete"];
        assert_eq!(unlink["parameters"][0]["name"], "address");
        assert_eq!(unlink["parameters"][0]["in"], "path");
        assert!(unlink["responses"].get("400").is_some());
    }
}
