//! HTTP handlers, one per file, and the route table.
//!
//! Public (through the gateway, `/api/v1/*` → `/v1/*`):
//! `POST /v1/users` (register), `GET|PATCH /v1/users/me`, `GET /v1/users/{id}` (public
//! view), `PUT /v1/users/{id}/role` (admins), `POST /v1/users/me/wallets/challenge`,
//! `GET|POST /v1/users/me/wallets`, `DELETE /v1/users/me/wallets/{address}`,
//! `GET|POST /v1/users/me/ws-keys`, `POST /v1/users/me/ws-keys/challenge`, `DELETE /v1/users/me/ws-keys/{key_id}`,
//! `GET /v1/users/me/referrals`, `POST /v1/users/me/password`, `PUT /v1/users/{id}/status`
//! (admins), `POST /v1/users/password-reset` and `.../confirm`; `POST /v1/auth/register`, the
//! seed's name for `POST /v1/users` (the same handler; the gateway routes that one path here).
//!
//! Internal (docs/INTERNAL_API.md): `POST /internal/v1/credentials/verify`,
//! `GET /internal/v1/users/{id}`, `GET /internal/v1/users/{id}/wallets`, `POST /internal/v1/users/{id}/revoke-tokens`,
//! `POST /internal/v1/users/resolve`,
//! `GET /internal/v1/ws-keys/{public_key_hex}`, `GET /internal/v1/wallets/{address}`,
//! `POST /internal/v1/referrals/{user_id}/complete`,
//! `POST /internal/v1/password-resets/{reset_id}/token`.

mod change_password;
mod change_role;
mod change_status;
mod complete_referral;
mod confirm_password_reset;
mod create_wallet_challenge;
mod create_ws_key_challenge;
mod get_internal_user;
mod get_me;
mod get_user;
mod get_wallet_owner;
mod issue_password_reset_token;
mod link_wallet;
mod list_internal_wallets;
mod list_referrals;
mod list_wallets;
mod list_ws_keys;
mod lookup_ws_key;
pub mod openapi;
mod own_account;
mod register_user;
mod register_ws_key;
mod request_password_reset;
mod resolve_login;
mod revoke_tokens;
mod revoke_ws_key;
mod unlink_wallet;
mod update_me;
mod verify_credentials;

use actix_web::web;

/// Mounts every route; JSON bodies are limited to `json_body_bytes`.
pub fn configure(config: &mut web::ServiceConfig, json_body_bytes: usize) {
    let json = move || nexus_http::json_config(json_body_bytes);
    config
        .service(
            web::resource("/v1/users")
                .app_data(json())
                .route(web::post().to(register_user::register_user)),
        )
        .service(
            web::resource("/v1/auth/register")
                .app_data(json())
                .route(web::post().to(register_user::register_user)),
        )
        .service(
            web::resource("/v1/users/me")
                .app_data(json())
                .route(web::get().to(get_me::get_me))
                .route(web::patch().to(update_me::update_me)),
        )
        .service(
            web::resource("/v1/users/me/wallets/challenge")
                .app_data(json())
                .route(web::post().to(create_wallet_challenge::create_wallet_challenge)),
        )
        .service(
            web::resource("/v1/users/me/wallets")
                .app_data(json())
                .route(web::get().to(list_wallets::list_wallets))
                .route(web::post().to(link_wallet::link_wallet)),
        )
        .service(
            web::resource("/v1/users/me/wallets/{address}")
                .route(web::delete().to(unlink_wallet::unlink_wallet)),
        )
        .service(
            web::resource("/v1/users/me/ws-keys")
                .app_data(json())
                .route(web::get().to(list_ws_keys::list_ws_keys))
                .route(web::post().to(register_ws_key::register_ws_key)),
        )
        // Before `{key_id}`, which would otherwise take `challenge` as an id (and answer 405).
        .service(
            web::resource("/v1/users/me/ws-keys/challenge")
                .route(web::post().to(create_ws_key_challenge::create_ws_key_challenge)),
        )
        .service(
            web::resource("/v1/users/me/ws-keys/{key_id}")
                .route(web::delete().to(revoke_ws_key::revoke_ws_key)),
        )
        .service(
            web::resource("/v1/users/me/password")
                .app_data(json())
                .route(web::post().to(change_password::change_password)),
        )
        .service(
            web::resource("/v1/users/password-reset")
                .app_data(json())
                .route(web::post().to(request_password_reset::request_password_reset)),
        )
        .service(
            web::resource("/v1/users/password-reset/confirm")
                .app_data(json())
                .route(web::post().to(confirm_password_reset::confirm_password_reset)),
        )
        .service(
            web::resource("/v1/users/me/referrals")
                .route(web::get().to(list_referrals::list_referrals)),
        )
        .service(web::resource("/v1/users/{id}").route(web::get().to(get_user::get_user)))
        .service(
            web::resource("/v1/users/{id}/role")
                .app_data(json())
                .route(web::put().to(change_role::change_role)),
        )
        .service(
            web::resource("/v1/users/{id}/status")
                .app_data(json())
                .route(web::put().to(change_status::change_status)),
        )
        .service(
            web::resource("/v1/users/{id}/{action:disable|enable|ban|unban}")
                .route(web::post().to(change_status::status_action)),
        )
        .service(
            web::resource("/internal/v1/users/resolve")
                .app_data(json())
                .route(web::post().to(resolve_login::resolve_login)),
        )
        .service(
            web::resource("/internal/v1/password-resets/{reset_id}/token")
                .route(web::post().to(issue_password_reset_token::issue_password_reset_token)),
        )
        .service(
            web::resource("/internal/v1/users/{id}/revoke-tokens")
                .route(web::post().to(revoke_tokens::revoke_tokens)),
        )
        .service(
            web::resource("/internal/v1/ws-keys/{public_key_hex}")
                .route(web::get().to(lookup_ws_key::lookup_ws_key)),
        )
        .service(
            web::resource("/internal/v1/credentials/verify")
                .app_data(json())
                .route(web::post().to(verify_credentials::verify_credentials)),
        )
        .service(
            web::resource("/internal/v1/referrals/{user_id}/complete")
                .route(web::post().to(complete_referral::complete_referral)),
        )
        .service(
            web::resource("/internal/v1/wallets/{address}")
                .route(web::get().to(get_wallet_owner::get_wallet_owner)),
        )
        .service(
            web::resource("/internal/v1/users/{id}/wallets")
                .route(web::get().to(list_internal_wallets::list_internal_wallets)),
        )
        .service(
            web::resource("/internal/v1/users/{id}")
                .route(web::get().to(get_internal_user::get_internal_user)),
        );
}
