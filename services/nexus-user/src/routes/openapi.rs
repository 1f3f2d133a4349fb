//! The user service's public API as OpenAPI (served at `/openapi.json`, merged by the gateway
//! under `/api`). Internal paths are deliberately absent.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    change_role, create_wallet_challenge, get_me, get_user, link_wallet, list_referrals,
    list_wallets, list_ws_keys, register_user, register_ws_key, revoke_ws_key, unlink_wallet,
    update_me,
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
        create_wallet_challenge::create_wallet_challenge,
        list_wallets::list_wallets,
        link_wallet::link_wallet,
        unlink_wallet::unlink_wallet,
        register_ws_key::register_ws_key,
        list_ws_keys::list_ws_keys,
        revoke_ws_key::revoke_ws_key,
        list_referrals::list_referrals,
    ),
    modifiers(&BearerAuth),
    tags((name = "users", description = "Accounts and everything attached to them"))
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme the paths refer to: an access token from nexus-auth.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
