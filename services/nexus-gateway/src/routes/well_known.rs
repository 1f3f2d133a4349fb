//! `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json` at the public
//! origin: the auth service's OIDC discovery and key set, fetched from it, so clients verify
//! tokens and find the endpoints without reaching the auth service itself.
//!
//! The discovery document is the auth service's with its endpoints moved to where the gateway
//! serves them: `token_endpoint` and `revocation_endpoint` under `{issuer}/api/v1/auth/`, the
//! key set at `{issuer}/.well-known/jwks.json` (here); the introspection endpoint, internal, is
//! left out. `issuer` stays the one tokens carry (`tokens.issuer`), so in production it is set to
//! the public origin (`https://nexus.example.com`), and every URL in the document is then one
//! this gateway answers.

use std::time::Duration;

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use serde_json::Value;

use crate::GatewayService;
use crate::error::GatewayError;

/// Mounts both documents (outside `/api`: the paths are the standard ones).
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/.well-known/openid-configuration")
                .route(web::get().to(openid_configuration)),
        )
        .service(web::resource("/.well-known/jwks.json").route(web::get().to(jwks)));
}

async fn openid_configuration(gateway: web::Data<GatewayService>) -> HttpResponse {
    match fetch(&gateway, "/.well-known/openid-configuration").await {
        Ok(document) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "public, max-age=300"))
            .json(public_discovery(document)),
        Err(response) => response,
    }
}

async fn jwks(gateway: web::Data<GatewayService>) -> HttpResponse {
    match fetch(&gateway, "/.well-known/jwks.json").await {
        Ok(document) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, "public, max-age=300"))
            .insert_header((CONTENT_TYPE, "application/json"))
            .json(document),
        Err(response) => response,
    }
}

/// The auth service's document at `path`, or the 502/503 answer to give instead.
async fn fetch(gateway: &GatewayService, path: &str) -> Result<Value, HttpResponse> {
    let unavailable = |detail: &str| {
        tracing::warn!(
            path,
            detail,
            "The auth service's well-known document is unavailable."
        );
        GatewayError::UpstreamUnavailable {
            upstream: gateway.settings.auth_upstream.clone(),
            retry_after: Duration::from_secs(5),
        }
        .to_response(&[])
    };
    let upstream = gateway
        .upstreams
        .iter()
        .find(|upstream| upstream.name == gateway.settings.auth_upstream)
        .ok_or_else(|| unavailable("no auth upstream configured"))?;
    let response = gateway
        .forwarder
        .http()
        .get(format!("{}{path}", upstream.base_url))
        .timeout(gateway.settings.default_timeout)
        .send()
        .await
        .map_err(|error| unavailable(&error.to_string()))?;
    if !response.status().is_success() {
        return Err(unavailable(&format!("status {}", response.status())));
    }
    response
        .json::<Value>()
        .await
        .map_err(|error| unavailable(&error.to_string()))
}

/// The discovery document with the endpoints the gateway serves (see the module docs).
fn public_discovery(mut document: Value) -> Value {
    let Some(fields) = document.as_object_mut() else {
        return document;
    };
    let issuer = fields
        .get("issuer")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    fields.insert(
        "jwks_uri".into(),
        format!("{issuer}/.well-known/jwks.json").into(),
    );
    fields.insert(
        "token_endpoint".into(),
        format!("{issuer}/api/v1/auth/login").into(),
    );
    fields.insert(
        "revocation_endpoint".into(),
        format!("{issuer}/api/v1/auth/logout").into(),
    );
    fields.remove("introspection_endpoint");
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_document_names_the_gateways_endpoints_and_no_internal_one() {
        let document = public_discovery(serde_json::json!({
            "issuer": "https://nexus.example.com",
            "jwks_uri": "https://nexus.example.com/.well-known/jwks.json",
            "token_endpoint": "https://nexus.example.com/v1/auth/login",
            "introspection_endpoint": "https://nexus.example.com/internal/v1/api-keys/introspect",
            "grant_types_supported": ["password"],
        }));
        assert_eq!(
            document["token_endpoint"],
            "https://nexus.example.com/api/v1/auth/login"
        );
        assert_eq!(
            document["revocation_endpoint"],
            "https://nexus.example.com/api/v1/auth/logout"
        );
        assert_eq!(
            document["jwks_uri"],
            "https://nexus.example.com/.well-known/jwks.json"
        );
        assert!(document.get("introspection_endpoint").is_none());
        assert_eq!(document["grant_types_supported"][0], "password");
    }
}
