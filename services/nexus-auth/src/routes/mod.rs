//! HTTP routes, one handler per file.
//!
//! Public (`/v1/*`, through the gateway): sign-in, refresh, logout, MFA, API keys, authorize,
//! policies, audit. Well-known: JWKS and OIDC discovery. Internal (`/internal/v1/*`, never routed
//! by the gateway): API-key introspection and the active policy set.

mod authorize;
mod confirm_totp;
mod create_api_key;
mod disable_totp;
mod enrol_totp;
mod get_active_policies;
mod get_jwks;
mod get_openid_configuration;
mod introspect_api_key;
mod list_api_keys;
mod list_audit;
mod login;
mod login_mfa;
mod logout;
mod logout_all;
pub mod openapi;
mod publish_policies;
mod refresh;
mod revoke_api_key;
mod validate_policies;

use actix_web::web;

use crate::error::AuthError;

/// Longest login name accepted (an e-mail address is at most 254 characters).
pub(crate) const MAX_LOGIN_CHARS: usize = 254;
/// Longest password accepted, in characters (longer ones are refused before any hashing work).
pub(crate) const MAX_PASSWORD_CHARS: usize = 1024;
/// Longest opaque token accepted, in characters (ours are 43).
pub(crate) const MAX_TOKEN_CHARS: usize = 128;

/// Mounts every route.
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(web::resource("/v1/auth/login").route(web::post().to(login::login)))
        .service(web::resource("/v1/auth/login/mfa").route(web::post().to(login_mfa::login_mfa)))
        .service(web::resource("/v1/auth/refresh").route(web::post().to(refresh::refresh)))
        .service(web::resource("/v1/auth/logout").route(web::post().to(logout::logout)))
        .service(web::resource("/v1/auth/logout-all").route(web::post().to(logout_all::logout_all)))
        .service(web::resource("/v1/auth/mfa/totp").route(web::post().to(enrol_totp::enrol_totp)))
        .service(
            web::resource("/v1/auth/mfa/totp/confirm")
                .route(web::post().to(confirm_totp::confirm_totp)),
        )
        .service(
            web::resource("/v1/auth/mfa/totp/disable")
                .route(web::post().to(disable_totp::disable_totp)),
        )
        .service(
            web::resource("/v1/api-keys")
                .route(web::post().to(create_api_key::create_api_key))
                .route(web::get().to(list_api_keys::list_api_keys)),
        )
        .service(
            web::resource("/v1/api-keys/{key_id}")
                .route(web::delete().to(revoke_api_key::revoke_api_key)),
        )
        .service(
            web::resource("/internal/v1/api-keys/introspect")
                .route(web::post().to(introspect_api_key::introspect_api_key)),
        )
        .service(web::resource("/v1/authorize").route(web::post().to(authorize::authorize)))
        .service(
            web::resource("/v1/policies/validate")
                .route(web::post().to(validate_policies::validate_policies)),
        )
        .service(
            web::resource("/v1/policies").route(web::post().to(publish_policies::publish_policies)),
        )
        .service(
            web::resource("/internal/v1/policies/active")
                .route(web::get().to(get_active_policies::get_active_policies)),
        )
        .service(web::resource("/v1/audit").route(web::get().to(list_audit::list_audit)))
        .service(web::resource("/.well-known/jwks.json").route(web::get().to(get_jwks::get_jwks)))
        .service(
            web::resource("/.well-known/openid-configuration")
                .route(web::get().to(get_openid_configuration::get_openid_configuration)),
        );
}

/// Refuses an empty or oversized text field.
pub(crate) fn check_text(
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> Result<(), AuthError> {
    if value.trim().is_empty() {
        return Err(AuthError::field(field, "must not be empty"));
    }
    // Characters, as the API document's `maxLength` counts them; the bound on work stays (at
    // most four bytes a character).
    if value.chars().count() > max_chars {
        return Err(AuthError::field(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(())
}
