//! The auth service's public API as OpenAPI (served at `/openapi.json`, merged by the gateway
//! under `/api`). Internal paths (introspection, the active policy set) are deliberately absent.

use nexus_http::openapi::{BearerAuth, SharedResponses, restrict_to_values};
use nexus_policy::Action;
use utoipa::{Modify, OpenApi};

use super::{
    authorize, confirm_totp, create_api_key, disable_totp, enrol_totp, get_jwks,
    get_openid_configuration, list_api_keys, list_audit, login, login_mfa, logout, logout_all,
    publish_policies, refresh, revoke_api_key, validate_policies,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "nexus-auth",
        description = "Sign-in, access and refresh tokens, TOTP, API keys, Cedar policies and the audit log."
    ),
    paths(
        login::login,
        login_mfa::login_mfa,
        refresh::refresh,
        logout::logout,
        logout_all::logout_all,
        enrol_totp::enrol_totp,
        confirm_totp::confirm_totp,
        disable_totp::disable_totp,
        create_api_key::create_api_key,
        list_api_keys::list_api_keys,
        revoke_api_key::revoke_api_key,
        authorize::authorize,
        validate_policies::validate_policies,
        publish_policies::publish_policies,
        list_audit::list_audit,
        get_jwks::get_jwks,
        get_openid_configuration::get_openid_configuration,
    ),
    modifiers(&BearerAuth, &SharedResponses, &KnownNames),
    tags((name = "auth", description = "Identity: sessions, tokens, MFA, API keys, policies"))
)]
pub struct ApiDoc;

/// The names an API key's `scopes` and `tier` take: the lists `POST /v1/api-keys` checks them
/// against.
struct KnownNames;

impl Modify for KnownNames {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let actions = Action::ALL.iter().map(|action| action.as_str());
        restrict_to_values(openapi, "CreateApiKeyRequest", "scopes", actions);
        restrict_to_values(
            openapi,
            "CreateApiKeyRequest",
            "tier",
            create_api_key::TIERS,
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::Value;
    use utoipa::OpenApi;

    #[test]
    fn api_key_scopes_and_tiers_are_the_lists_the_handler_checks() {
        let document = serde_json::to_value(super::ApiDoc::openapi()).unwrap();
        let request = &document["components"]["schemas"]["CreateApiKeyRequest"]["properties"];
        let scopes: Vec<&str> = request["scopes"]["items"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(scopes.len(), nexus_policy::Action::ALL.len());
        assert!(scopes.contains(&"analysis:submit"));
        let tiers = request["tier"]["enum"].as_array().unwrap();
        assert_eq!(tiers.len(), super::create_api_key::TIERS.len());
    }

    #[test]
    fn every_json_operation_declares_the_extractor_answers() {
        let document = serde_json::to_value(super::ApiDoc::openapi()).unwrap();
        let login = &document["paths"]["/v1/auth/login"]["post"]["responses"];
        for status in ["400", "401", "413", "415", "422", "429", "503"] {
            assert!(login.get(status).is_some(), "login does not list {status}");
        }
    }
}
