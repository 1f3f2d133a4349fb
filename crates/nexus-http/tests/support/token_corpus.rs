//! The hostile-token corpus, shared by the validator's own test (`tests/tokens.rs`) and the
//! gateway's (`services/nexus-gateway/tests/api/tokens.rs`), which include this file with
//! `#[path]`: one table, two enforcement points. The keys are in `../keys/` (`jwks.json` holds
//! the public ones as a JWKS document for services configured through `tokens.jwks`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

/// The public keys of the corpus as a JWKS document (kids `rsa-1` and `ed-1`).
pub const JWKS: &str = include_str!("../keys/jwks.json");

pub const RSA_PRIVATE: &[u8] = include_bytes!("../keys/rsa-private.pem");
pub const RSA_PUBLIC: &[u8] = include_bytes!("../keys/rsa-public.pem");
pub const ATTACKER_PRIVATE: &[u8] = include_bytes!("../keys/attacker-rsa-private.pem");
pub const ED_PRIVATE: &[u8] = include_bytes!("../keys/ed25519-private.pem");
pub const ED_PUBLIC: &[u8] = include_bytes!("../keys/ed25519-public.pem");
pub const ISSUER: &str = "https://auth.nexus.test";
pub const AUDIENCE: &str = "nexus-api";

pub fn now() -> i64 {
    i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap()
}

pub fn claims() -> Value {
    json!({
        "iss": ISSUER, "sub": "user-1", "aud": AUDIENCE,
        "exp": now() + 600, "nbf": now() - 10, "iat": now() - 10,
        "jti": "jti-1", "roles": ["user"]
    })
}

pub fn header(alg: &str, kid: &str) -> Value {
    json!({ "alg": alg, "typ": "at+jwt", "kid": kid })
}

pub fn segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// Signs any header and payload, however hostile, with `key`.
pub fn sign(header: &Value, payload: &Value, key: &EncodingKey, algorithm: Algorithm) -> String {
    let message = format!("{}.{}", segment(header), segment(payload));
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), key, algorithm).unwrap();
    format!("{message}.{signature}")
}

pub fn rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap()
}

pub fn rs256(header: &Value, payload: &Value) -> String {
    sign(header, payload, &rsa_key(), Algorithm::RS256)
}

pub fn valid_rs256() -> String {
    rs256(&header("RS256", "rsa-1"), &claims())
}

pub fn without(mut payload: Value, claim: &str) -> Value {
    payload.as_object_mut().unwrap().remove(claim);
    payload
}

pub fn with(mut payload: Value, claim: &str, value: Value) -> Value {
    payload[claim] = value;
    payload
}

pub fn unsigned(header: &Value, payload: &Value, signature: &str) -> String {
    format!("{}.{}.{signature}", segment(header), segment(payload))
}

/// The hostile cases: (name, Authorization header or None, expected code).
pub fn corpus() -> Vec<(&'static str, Option<String>, &'static str)> {
    let hmac_with_public_key = |algorithm: Algorithm, name: &str| {
        sign(
            &header(name, "rsa-1"),
            &claims(),
            &EncodingKey::from_secret(RSA_PUBLIC),
            algorithm,
        )
    };
    let valid = valid_rs256();
    let mut parts = valid.split('.').map(str::to_owned).collect::<Vec<_>>();
    let tampered_payload = {
        let payload = segment(&with(claims(), "sub", json!("admin-1")));
        format!("{}.{}.{}", parts[0], payload, parts[2])
    };
    let tampered_signature = {
        let mut signature = parts[2].clone().into_bytes();
        signature[10] = if signature[10] == b'A' { b'B' } else { b'A' };
        parts[2] = String::from_utf8(signature).unwrap();
        parts.join(".")
    };
    let bearer = |token: String| Some(format!("Bearer {token}"));
    let attacker = EncodingKey::from_rsa_pem(ATTACKER_PRIVATE).unwrap();
    let attacker_jwk = json!({"kty": "RSA", "n": "sXch", "e": "AQAB", "kid": "evil"});
    let mut cases = vec![
        ("no authorization header", None, "token_missing"),
        (
            "basic scheme",
            Some("Basic dXNlcjpwYXNz".to_owned()),
            "token_missing",
        ),
        (
            "bearer without a token",
            Some("Bearer".to_owned()),
            "token_missing",
        ),
        (
            "bearer with blank token",
            Some("Bearer  ".to_owned()),
            "token_malformed",
        ),
        ("not a jwt", bearer("hello".into()), "token_malformed"),
        (
            "two segments",
            bearer("eyJhbGciOiJSUzI1NiJ9.e30".into()),
            "token_malformed",
        ),
        (
            "four segments",
            bearer(format!("{valid}.extra")),
            "token_malformed",
        ),
        (
            "header is not base64",
            bearer("!!!.e30.sig".into()),
            "token_malformed",
        ),
        (
            "header is not json",
            bearer(format!("{}.e30.sig", URL_SAFE_NO_PAD.encode("nope"))),
            "token_malformed",
        ),
        (
            "oversized token",
            bearer(format!(
                "{}.{}.{}",
                segment(&header("RS256", "rsa-1")),
                "A".repeat(9000),
                "sig"
            )),
            "token_too_large",
        ),
        (
            "typ JWT instead of at+jwt",
            bearer(rs256(
                &json!({"alg": "RS256", "typ": "JWT", "kid": "rsa-1"}),
                &claims(),
            )),
            "token_wrong_type",
        ),
        (
            "refresh token type",
            bearer(rs256(
                &json!({"alg": "RS256", "typ": "refresh+jwt", "kid": "rsa-1"}),
                &claims(),
            )),
            "token_wrong_type",
        ),
        (
            "typ missing",
            bearer(rs256(&json!({"alg": "RS256", "kid": "rsa-1"}), &claims())),
            "token_wrong_type",
        ),
        (
            "alg missing",
            bearer(unsigned(
                &json!({"typ": "at+jwt", "kid": "rsa-1"}),
                &claims(),
                "",
            )),
            "token_algorithm_not_allowed",
        ),
        (
            "alg empty",
            bearer(unsigned(&header("", "rsa-1"), &claims(), "")),
            "token_algorithm_not_allowed",
        ),
        (
            "HS256 with the public key as secret",
            bearer(hmac_with_public_key(Algorithm::HS256, "HS256")),
            "token_algorithm_not_allowed",
        ),
        (
            "HS384 with the public key as secret",
            bearer(hmac_with_public_key(Algorithm::HS384, "HS384")),
            "token_algorithm_not_allowed",
        ),
        (
            "HS512 with the public key as secret",
            bearer(hmac_with_public_key(Algorithm::HS512, "HS512")),
            "token_algorithm_not_allowed",
        ),
        (
            "RS512 is not on the allow-list",
            bearer(sign(
                &header("RS512", "rsa-1"),
                &claims(),
                &rsa_key(),
                Algorithm::RS512,
            )),
            "token_algorithm_not_allowed",
        ),
        (
            "PS256 is not on the allow-list",
            bearer(sign(
                &header("PS256", "rsa-1"),
                &claims(),
                &rsa_key(),
                Algorithm::PS256,
            )),
            "token_algorithm_not_allowed",
        ),
        (
            "lower-case rs256",
            bearer(unsigned(
                &header("rs256", "rsa-1"),
                &claims(),
                valid.split('.').nth(2).unwrap(),
            )),
            "token_algorithm_not_allowed",
        ),
        (
            "RS256 header on the EdDSA key",
            bearer(rs256(&header("RS256", "ed-1"), &claims())),
            "token_algorithm_not_allowed",
        ),
        (
            "EdDSA header on the RSA key",
            bearer(sign(
                &header("EdDSA", "rsa-1"),
                &claims(),
                &EncodingKey::from_ed_pem(ED_PRIVATE).unwrap(),
                Algorithm::EdDSA,
            )),
            "token_algorithm_not_allowed",
        ),
        (
            "kid missing",
            bearer(rs256(&json!({"alg": "RS256", "typ": "at+jwt"}), &claims())),
            "token_unknown_key",
        ),
        (
            "kid unknown",
            bearer(rs256(&header("RS256", "rsa-2"), &claims())),
            "token_unknown_key",
        ),
        (
            "kid path traversal",
            bearer(rs256(&header("RS256", "../../../../dev/null"), &claims())),
            "token_unknown_key",
        ),
        (
            "kid sql injection",
            bearer(rs256(&header("RS256", "x' OR '1'='1"), &claims())),
            "token_unknown_key",
        ),
        (
            "embedded jwk",
            bearer(sign(
                &json!({"alg": "RS256", "typ": "at+jwt", "kid": "rsa-1", "jwk": attacker_jwk}),
                &claims(),
                &attacker,
                Algorithm::RS256,
            )),
            "token_header_forbidden",
        ),
        (
            "jku pointing elsewhere",
            bearer(rs256(
                &json!({"alg": "RS256", "typ": "at+jwt", "kid": "rsa-1", "jku": "https://evil.example/jwks.json"}),
                &claims(),
            )),
            "token_header_forbidden",
        ),
        (
            "x5u pointing elsewhere",
            bearer(rs256(
                &json!({"alg": "RS256", "typ": "at+jwt", "kid": "rsa-1", "x5u": "https://evil.example/cert.pem"}),
                &claims(),
            )),
            "token_header_forbidden",
        ),
        (
            "embedded x5c chain",
            bearer(rs256(
                &json!({"alg": "RS256", "typ": "at+jwt", "kid": "rsa-1", "x5c": ["MIIB"]}),
                &claims(),
            )),
            "token_header_forbidden",
        ),
        (
            "crit extension",
            bearer(rs256(
                &json!({"alg": "RS256", "typ": "at+jwt", "kid": "rsa-1", "crit": ["exp"]}),
                &claims(),
            )),
            "token_header_forbidden",
        ),
        (
            "signed by another key with our kid",
            bearer(sign(
                &header("RS256", "rsa-1"),
                &claims(),
                &attacker,
                Algorithm::RS256,
            )),
            "token_signature_invalid",
        ),
        (
            "tampered payload",
            bearer(tampered_payload),
            "token_signature_invalid",
        ),
        (
            "tampered signature",
            bearer(tampered_signature),
            "token_signature_invalid",
        ),
        (
            "signature stripped",
            bearer(unsigned(&header("RS256", "rsa-1"), &claims(), "")),
            "token_signature_invalid",
        ),
        (
            "expired beyond the leeway",
            bearer(rs256(
                &header("RS256", "rsa-1"),
                &with(claims(), "exp", json!(now() - 120)),
            )),
            "token_expired",
        ),
        (
            "not valid yet beyond the leeway",
            bearer(rs256(
                &header("RS256", "rsa-1"),
                &with(claims(), "nbf", json!(now() + 120)),
            )),
            "token_not_yet_valid",
        ),
        (
            "wrong issuer",
            bearer(rs256(
                &header("RS256", "rsa-1"),
                &with(claims(), "iss", json!("https://evil.example")),
            )),
            "token_wrong_issuer",
        ),
        (
            "wrong audience",
            bearer(rs256(
                &header("RS256", "rsa-1"),
                &with(claims(), "aud", json!("other-api")),
            )),
            "token_wrong_audience",
        ),
        (
            "audience list without us",
            bearer(rs256(
                &header("RS256", "rsa-1"),
                &with(claims(), "aud", json!(["a", "b"])),
            )),
            "token_wrong_audience",
        ),
        (
            "exp as a string",
            bearer(rs256(
                &header("RS256", "rsa-1"),
                &with(claims(), "exp", json!("tomorrow")),
            )),
            "token_claims_invalid",
        ),
        (
            "unknown role",
            bearer(rs256(
                &header("RS256", "rsa-1"),
                &with(claims(), "roles", json!(["superuser"])),
            )),
            "token_claims_invalid",
        ),
    ];
    for claim in ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"] {
        let name: &'static str = Box::leak(format!("{claim} missing").into_boxed_str());
        cases.push((
            name,
            bearer(rs256(&header("RS256", "rsa-1"), &without(claims(), claim))),
            "token_claims_missing",
        ));
    }
    cases
}
