//! Signing keys: loaded from `keys_dir` (one PKCS#8 PEM file per key, `<kid>.pem`), generated on
//! the first local run, published as a JWKS, one of them signing access tokens.
//!
//! Rotation: put a new key file next to the old ones and restart (every key is published, so
//! tokens signed by the old key keep verifying); once every service has fetched the new JWKS,
//! point `signing_kid` at the new key (or let the newest key of the configured algorithm sign);
//! remove the old file after the longest token lifetime has passed.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use nexus_core::hex;
use nexus_http::token::{ACCESS_TOKEN_TYPE, AccessClaims, KeySet};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey as _;
use rsa::pkcs8::LineEnding;
use rsa::traits::PublicKeyParts as _;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::settings::{AuthSettings, SigningAlgorithm};

/// Name of the server secret file inside `keys_dir`.
const SERVER_SECRET_FILE: &str = "server_secret";
/// RSA modulus size of generated keys.
const RSA_BITS: usize = 2048;

/// Why the keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing the directory failed.
    #[error("key directory {path}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// A file is not a PKCS#8 RSA or Ed25519 private key.
    #[error("{path} is not a PKCS#8 PEM RSA or Ed25519 private key")]
    Unreadable {
        /// The file.
        path: PathBuf,
    },
    /// No key, and generation is off.
    #[error("no signing key in {0} (set auth.generate_missing_keys or add a <kid>.pem file)")]
    NoKeys(PathBuf),
    /// `signing_kid` names no loaded key.
    #[error("auth.signing_kid {0:?} is not among the loaded keys")]
    UnknownSigningKid(String),
    /// Generating or encoding a key failed.
    #[error("could not create a key: {0}")]
    Generate(String),
    /// The server secret is too short.
    #[error("the server secret must be at least 32 bytes")]
    WeakServerSecret,
    /// A TOTP encryption key is not 32 bytes of base64url, or the active one is missing.
    #[error("TOTP encryption keys: {0}")]
    TotpKeys(String),
}

struct LoadedKey {
    kid: String,
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwk: Value,
}

/// Every active key, and which one signs.
pub struct Signer {
    keys: Vec<LoadedKey>,
    signing: usize,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("kids", &self.kids())
            .field("signing_kid", &self.signing_kid())
            .finish()
    }
}

impl Signer {
    /// Loads (or, when allowed and the directory holds none, generates) the keys.
    pub fn load(settings: &AuthSettings) -> Result<Self, KeyError> {
        let dir = &settings.keys_dir;
        let mut keys = read_keys(dir)?;
        if keys.is_empty() {
            if !settings.generate_missing_keys {
                return Err(KeyError::NoKeys(dir.clone()));
            }
            let kid = generate_key(dir, settings.signing_algorithm)?;
            tracing::warn!(kid = %kid, dir = %dir.display(), "No signing key found; generated one (fine for a local run, provision keys in production).");
            keys = read_keys(dir)?;
        }
        keys.sort_by(|left, right| left.kid.cmp(&right.kid));
        let wanted = match settings.signing_algorithm {
            SigningAlgorithm::Rs256 => Algorithm::RS256,
            SigningAlgorithm::Eddsa => Algorithm::EdDSA,
        };
        let signing = match &settings.signing_kid {
            Some(kid) => keys
                .iter()
                .position(|key| &key.kid == kid)
                .ok_or_else(|| KeyError::UnknownSigningKid(kid.clone()))?,
            None => match keys.iter().rposition(|key| key.algorithm == wanted) {
                Some(index) => index,
                None if settings.generate_missing_keys => {
                    generate_key(dir, settings.signing_algorithm)?;
                    return Self::load(settings);
                }
                None => return Err(KeyError::NoKeys(dir.clone())),
            },
        };
        Ok(Self { keys, signing })
    }

    /// The key ids, sorted.
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|key| key.kid.as_str()).collect()
    }

    /// The key that signs.
    pub fn signing_kid(&self) -> &str {
        self.keys
            .get(self.signing)
            .map_or("", |key| key.kid.as_str())
    }

    /// The algorithms of the keys (for OIDC discovery).
    pub fn algorithms(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .keys
            .iter()
            .map(|key| match key.algorithm {
                Algorithm::EdDSA => "EdDSA",
                _ => "RS256",
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The JWKS document (public keys only).
    pub fn jwks(&self) -> Value {
        json!({ "keys": self.keys.iter().map(|key| key.jwk.clone()).collect::<Vec<_>>() })
    }

    /// The public keys for the runtime's validator.
    pub fn key_set(&self) -> KeySet {
        let mut set = KeySet::default();
        for key in &self.keys {
            set.insert(key.kid.clone(), key.algorithm, key.decoding.clone());
        }
        set
    }

    /// Signs `claims` as an access token (`typ: at+jwt`, `kid`).
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, jsonwebtoken::errors::Error> {
        let Some(key) = self.keys.get(self.signing) else {
            return Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into());
        };
        let mut header = Header::new(key.algorithm);
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding)
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |source| KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

fn read_keys(dir: &Path) -> Result<Vec<LoadedKey>, KeyError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io_error(dir)(error)),
    };
    let mut keys = Vec::new();
    for entry in entries {
        let path = entry.map_err(io_error(dir))?.path();
        if path.extension().and_then(|ext| ext.to_str()) != Some("pem") {
            continue;
        }
        let Some(kid) = path.file_stem().and_then(|stem| stem.to_str()) else {
            continue;
        };
        let pem = std::fs::read_to_string(&path).map_err(io_error(&path))?;
        let key =
            parse_key(kid, &pem).ok_or_else(|| KeyError::Unreadable { path: path.clone() })?;
        keys.push(key);
    }
    Ok(keys)
}

fn parse_key(kid: &str, pem: &str) -> Option<LoadedKey> {
    if let Ok(private) = RsaPrivateKey::from_pkcs8_pem(pem) {
        let der = private.to_pkcs1_der().ok()?;
        let public = private.to_public_key();
        let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
        return Some(LoadedKey {
            kid: kid.to_owned(),
            algorithm: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            decoding: DecodingKey::from_rsa_components(&n, &e).ok()?,
            jwk: json!({ "kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": n, "e": e }),
        });
    }
    let signing = SigningKey::from_pkcs8_pem(pem).ok()?;
    let der = signing.to_pkcs8_der().ok()?;
    let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
    Some(LoadedKey {
        kid: kid.to_owned(),
        algorithm: Algorithm::EdDSA,
        encoding: EncodingKey::from_ed_der(der.as_bytes()),
        decoding: DecodingKey::from_ed_components(&x).ok()?,
        jwk: json!({ "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": kid, "x": x }),
    })
}

/// Generates a key of `algorithm` into `dir` as `<kid>.pem` (mode 0600); returns the kid.
pub fn generate_key(dir: &Path, algorithm: SigningAlgorithm) -> Result<String, KeyError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let suffix = hex::encode(&crate::domain::secrets::random_bytes(3));
    let (kid, pem) = match algorithm {
        SigningAlgorithm::Rs256 => {
            let mut rng = rsa::rand_core::OsRng;
            let private = RsaPrivateKey::new(&mut rng, RSA_BITS)
                .map_err(|error| KeyError::Generate(error.to_string()))?;
            let pem = private
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|error| KeyError::Generate(error.to_string()))?;
            (format!("rs256-{stamp}-{suffix}"), pem.to_string())
        }
        SigningAlgorithm::Eddsa => {
            let seed: [u8; 32] = rand::random();
            let signing = SigningKey::from_bytes(&seed);
            let pem = signing
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|error| KeyError::Generate(error.to_string()))?;
            (format!("eddsa-{stamp}-{suffix}"), pem.to_string())
        }
    };
    write_private(dir, &format!("{kid}.pem"), pem.as_bytes())?;
    Ok(kid)
}

fn write_private(dir: &Path, name: &str, contents: &[u8]) -> Result<(), KeyError> {
    std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    let path = dir.join(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io_error(&path))?;
    file.write_all(contents).map_err(io_error(&path))?;
    file.sync_all().map_err(io_error(&path))
}

/// The HMAC key of API keys and recovery codes: the setting, else `<keys_dir>/server_secret`
/// (created with 32 random bytes on the first local run).
pub fn server_secret(settings: &AuthSettings) -> Result<Vec<u8>, KeyError> {
    if let Some(secret) = &settings.server_secret {
        let bytes = secret.expose_secret().as_bytes().to_vec();
        return if bytes.len() >= 32 {
            Ok(bytes)
        } else {
            Err(KeyError::WeakServerSecret)
        };
    }
    let path = settings.keys_dir.join(SERVER_SECRET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = URL_SAFE_NO_PAD
                .decode(text.trim())
                .map_err(|_| KeyError::WeakServerSecret)?;
            if bytes.len() < 32 {
                return Err(KeyError::WeakServerSecret);
            }
            Ok(bytes)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if !settings.generate_missing_keys {
                return Err(io_error(&path)(error));
            }
            let bytes = crate::domain::secrets::random_bytes(32);
            let text = SecretString::from(URL_SAFE_NO_PAD.encode(&bytes));
            write_private(
                &settings.keys_dir,
                SERVER_SECRET_FILE,
                text.expose_secret().as_bytes(),
            )?;
            Ok(bytes)
        }
        Err(error) => Err(io_error(&path)(error)),
    }
}

/// The TOTP envelope keys: every `<kid>.key` in `auth.totp_encryption_keys_dir` (default
/// `<keys_dir>/totp`), 32 bytes as base64url each; one is generated on the first local run.
/// `auth.totp_encryption_kid`, else the last kid in lexical order, encrypts.
pub fn totp_cipher(
    settings: &AuthSettings,
) -> Result<crate::domain::envelope::TotpCipher, KeyError> {
    use crate::domain::envelope::{KEY_BYTES, TotpCipher};
    let dir = settings
        .totp_encryption_keys_dir
        .clone()
        .unwrap_or_else(|| settings.keys_dir.join("totp"));
    let read = |dir: &Path| -> Result<std::collections::BTreeMap<String, Vec<u8>>, KeyError> {
        let mut keys = std::collections::BTreeMap::new();
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(keys),
            Err(error) => return Err(io_error(dir)(error)),
        };
        for entry in entries {
            let path = entry.map_err(io_error(dir))?.path();
            if path.extension().and_then(|ext| ext.to_str()) != Some("key") {
                continue;
            }
            let Some(kid) = path.file_stem().and_then(|stem| stem.to_str()) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
            let bytes = URL_SAFE_NO_PAD
                .decode(text.trim())
                .ok()
                .filter(|bytes| bytes.len() == KEY_BYTES)
                .ok_or_else(|| {
                    KeyError::TotpKeys(format!("{} is not 32 bytes of base64url", path.display()))
                })?;
            keys.insert(kid.to_owned(), bytes);
        }
        Ok(keys)
    };
    let mut keys = read(&dir)?;
    if keys.is_empty() {
        if !settings.generate_missing_keys {
            return Err(KeyError::TotpKeys(format!(
                "no <kid>.key file in {} (or set auth.generate_missing_keys)",
                dir.display()
            )));
        }
        let kid = format!("totp-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S"));
        let bytes = crate::domain::secrets::random_bytes(KEY_BYTES);
        let text = SecretString::from(URL_SAFE_NO_PAD.encode(&bytes));
        write_private(&dir, &format!("{kid}.key"), text.expose_secret().as_bytes())?;
        keys = read(&dir)?;
    }
    let active = match &settings.totp_encryption_kid {
        Some(kid) => kid.clone(),
        None => keys
            .keys()
            .next_back()
            .cloned()
            .ok_or_else(|| KeyError::TotpKeys("no key".into()))?,
    };
    TotpCipher::new(&keys, &active).map_err(|error| KeyError::TotpKeys(error.to_string()))
}
