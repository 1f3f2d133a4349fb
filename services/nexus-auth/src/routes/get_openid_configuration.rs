//! `GET /.well-known/openid-configuration`: OIDC discovery (RFC 8414 / OpenID Discovery 1.0).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::AuthService;

/// The discovery document. Nexus signs in with a password grant over its own endpoints, so
/// only the fields that describe them are present.
#[utoipa::path(
    get,
    path = "/.well-known/openid-configuration",
    tag = "auth",
    responses(
        (status = 200, description = "OpenID Connect discovery document", body = Object)
    )
)]
pub async fn get_openid_configuration(service: web::Data<AuthService>) -> HttpResponse {
    let issuer = service.issuer.trim_end_matches('/');
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(json!({
            "issuer": service.issuer,
            "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
            "token_endpoint": format!("{issuer}/v1/auth/login"),
            "revocation_endpoint": format!("{issuer}/v1/auth/logout"),
            "introspection_endpoint": format!("{issuer}/internal/v1/api-keys/introspect"),
            "grant_types_supported": ["password", "refresh_token"],
            "response_types_supported": ["token"],
            "subject_types_supported": ["public"],
            "token_endpoint_auth_methods_supported": ["none"],
            "id_token_signing_alg_values_supported": service.signer.algorithms(),
            "token_endpoint_auth_signing_alg_values_supported": service.signer.algorithms(),
            "claims_supported": ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "roles", "amr", "scope"],
            "amr_values_supported": ["pwd", "otp", "mfa", "api_key"],
            "scopes_supported": nexus_policy::Action::ALL.iter().map(|action| action.as_str()).collect::<Vec<_>>(),
        }))
}
