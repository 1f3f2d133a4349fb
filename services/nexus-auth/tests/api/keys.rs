//! Signing keys, JWKS and OIDC discovery.

use std::os::unix::fs::PermissionsExt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use nexus_auth::keys::generate_key;
use nexus_auth::settings::SigningAlgorithm;
use nexus_http::token::{JwkSet, KeySet, TokenValidator};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{expect, spawn_auth, temp_keys_dir};

fn header_of(token: &str) -> Value {
    let segment = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_publishes_every_active_key_and_tokens_verify_with_the_shared_validator() {
    let dir = temp_keys_dir();
    let rsa_kid = generate_key(&dir, SigningAlgorithm::Rs256).unwrap();
    let ed_kid = generate_key(&dir, SigningAlgorithm::Eddsa).unwrap();
    let auth = spawn_auth(|settings| {
        settings.keys_dir = dir.clone();
        settings.signing_algorithm = SigningAlgorithm::Rs256;
    })
    .await;

    let response = auth.get("/.well-known/jwks.json", None).await;
    let jwks = expect(response, StatusCode::OK, None).await;
    let mut kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap())
        .collect();
    kids.sort_unstable();
    let mut expected = vec![rsa_kid.as_str(), ed_kid.as_str()];
    expected.sort_unstable();
    assert_eq!(kids, expected);
    for key in jwks["keys"].as_array().unwrap() {
        assert!(
            key.get("d").is_none(),
            "private parts must never be published: {key}"
        );
        assert_eq!(key["use"], "sig");
    }

    // A token of ours: an API key's introspection token.
    let (user_id, user_token) = auth.user_token(&["analyst"]);
    let created = auth
        .post(
            "/v1/api-keys",
            Some(&user_token),
            &json!({"name": "engine", "scopes": ["bounty:assert", "analysis:submit"]}),
        )
        .await;
    let created = expect(created, StatusCode::CREATED, None).await;
    let introspected = auth
        .post(
            "/internal/v1/api-keys/introspect",
            None,
            &json!({"key": created["key"]}),
        )
        .await;
    let introspected = expect(introspected, StatusCode::OK, None).await;
    let token = introspected["access_token"].as_str().unwrap();

    let header = header_of(token);
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], rsa_kid.as_str());

    // The shared validator, fed only with the published JWKS, accepts it.
    let set: JwkSet = serde_json::from_value(jwks).unwrap();
    let validator = TokenValidator::new(
        auth.ctx.tokens.settings().rules(),
        KeySet::from_jwk_set(&set),
    );
    let claims = validator.validate(token).unwrap();
    assert_eq!(claims.sub, user_id.to_string());
    assert_eq!(claims.iss, auth.ctx.tokens.settings().issuer);
    assert_eq!(claims.roles, ["analyst"]);
    assert_eq!(claims.amr, ["api_key"]);
    assert_eq!(
        claims.scope.as_deref(),
        Some("bounty:assert analysis:submit")
    );
    assert_eq!(claims.exp - claims.iat, 300);
    assert_eq!(claims.nbf, claims.iat);
    assert!(!claims.jti.is_empty());

    // The service itself accepts its own token (its keys are installed in its validator).
    let decided = auth
        .post(
            "/v1/authorize",
            Some(token),
            &json!({
                "principal": {"type": "user", "id": user_id.to_string(), "role": "analyst"},
                "action": "bounty:list",
                "resource": {"type": "platform"},
            }),
        )
        .await;
    expect(decided, StatusCode::OK, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_run_generates_a_key_and_a_server_secret_only_the_owner_can_read() {
    let auth = spawn_auth(|_| {}).await;
    let mut files: Vec<_> = std::fs::read_dir(&auth.keys_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    for file in &files {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", file.display());
    }
    let pem = files
        .iter()
        .find(|file| file.extension().is_some_and(|ext| ext == "pem"))
        .unwrap();
    assert!(
        std::fs::read_to_string(pem)
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    assert!(files.iter().any(|file| file.ends_with("server_secret")));

    let jwks = expect(
        auth.get("/.well-known/jwks.json", None).await,
        StatusCode::OK,
        None,
    )
    .await;
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["alg"], "EdDSA");
    assert_eq!(keys[0]["kty"], "OKP");
    assert_eq!(keys[0]["kid"], pem.file_stem().unwrap().to_str().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openid_discovery_describes_the_issuer_keys_and_endpoints() {
    let auth = spawn_auth(|_| {}).await;
    let document = expect(
        auth.get("/.well-known/openid-configuration", None).await,
        StatusCode::OK,
        None,
    )
    .await;
    let issuer = auth.ctx.tokens.settings().issuer.clone();
    assert_eq!(document["issuer"], issuer.as_str());
    assert_eq!(
        document["jwks_uri"],
        format!("{issuer}/.well-known/jwks.json")
    );
    assert_eq!(
        document["token_endpoint"],
        format!("{issuer}/v1/auth/login")
    );
    assert_eq!(
        document["id_token_signing_alg_values_supported"],
        json!(["EdDSA"])
    );
    assert_eq!(
        document["grant_types_supported"],
        json!(["password", "refresh_token"])
    );
    assert_eq!(document["subject_types_supported"], json!(["public"]));
    for claim in ["iss", "sub", "aud", "exp", "roles", "amr", "scope"] {
        assert!(
            document["claims_supported"]
                .as_array()
                .unwrap()
                .contains(&json!(claim)),
            "{claim}"
        );
    }
}
