//! Access tokens for tests: every [`TestContext`](crate::TestContext) holds its own Ed25519
//! signing key, configures the services it spawns to trust it (inline `tokens.jwks`), and mints
//! tokens those services accept — so a service is tested on its own, without the auth service.
//! Tokens from one context are refused by another context's services.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use nexus_http::token::{ACCESS_TOKEN_TYPE, AccessClaims, Audience};
use nexus_runtime::TokenSettings;

use crate::TestError;

/// A test's token signer: an Ed25519 key, its JWKS and the rules the services check.
#[derive(Clone)]
pub struct TestTokens {
    kid: String,
    encoding_key: EncodingKey,
    public_key: [u8; 32],
    settings: TokenSettings,
}

impl std::fmt::Debug for TestTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestTokens")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl TestTokens {
    /// A fresh random key with the default issuer and audience.
    pub fn generate() -> Result<Self, TestError> {
        let seed: [u8; 32] = rand::random();
        let signing_key = SigningKey::from_bytes(&seed);
        let der = signing_key.to_pkcs8_der()?;
        let kid = format!("test-{}", uuid::Uuid::now_v7().simple());
        let public_key = signing_key.verifying_key().to_bytes();
        let mut tokens = Self {
            kid,
            encoding_key: EncodingKey::from_ed_der(der.as_bytes()),
            public_key,
            settings: TokenSettings::default(),
        };
        tokens.settings.jwks_url = None;
        tokens.settings.jwks = Some(tokens.jwks().to_string());
        Ok(tokens)
    }

    /// The `[tokens]` settings under which services trust this signer.
    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// The key id tokens carry.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWKS document.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({"keys": [{
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(self.public_key),
        }]})
    }

    /// Claims valid for an hour for `subject` with `roles`, `amr: ["pwd"]`.
    pub fn claims(&self, subject: &str, roles: &[&str]) -> AccessClaims {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_secs())
            .unwrap_or_default();
        AccessClaims {
            iss: self.settings.issuer.clone(),
            sub: subject.to_owned(),
            aud: Audience::One(self.settings.audience.clone()),
            exp: now + 3600,
            nbf: now,
            iat: now,
            jti: uuid::Uuid::now_v7().to_string(),
            roles: roles.iter().map(|role| (*role).to_owned()).collect(),
            amr: vec!["pwd".into()],
            scope: None,
            status: None,
            api_key_id: None,
        }
    }

    /// Signs `claims` (EdDSA, `typ: at+jwt`, this signer's `kid`).
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, TestError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(ACCESS_TOKEN_TYPE.into());
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding_key)?)
    }

    /// A valid token for `subject` with `roles`.
    pub fn access_token(&self, subject: &str, roles: &[&str]) -> Result<String, TestError> {
        self.sign(&self.claims(subject, roles))
    }
}
