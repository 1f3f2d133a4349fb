//! Signing keys, JWKS and OIDC discovery.

use std::os::unix::fs::PermissionsExt;

use nexus_auth::keys::generate_key;
use nexus_auth::settings::SigningAlgorithm;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect, spawn_auth, temp_keys_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_publishes_every_active_key_and_never_private_parts() {
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

    // Tokens signed with them are checked against this JWKS in
    // tests/tests/identity/credentials.rs (the API-key token needs the real user service).
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_run_generates_a_key_a_server_secret_and_a_totp_key_only_the_owner_can_read() {
    let auth = spawn_auth(|_| {}).await;
    let mut files: Vec<_> = std::fs::read_dir(&auth.keys_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    // And one TOTP envelope key in its own directory.
    files.extend(
        std::fs::read_dir(auth.keys_dir.join("totp"))
            .unwrap()
            .map(|entry| entry.unwrap().path()),
    );
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(
        files
            .iter()
            .any(|file| file.extension().is_some_and(|ext| ext == "key"))
    );
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
