//! Random tokens and keys, and the one-way forms they are stored in.
//!
//! - Refresh tokens and MFA challenge tokens: 256 random bits, base64url; stored as SHA-256
//!   (they are unguessable, so a fast unsalted hash is enough and allows lookup by hash).
//! - API keys: `nxs_` + 256 random bits; recovery codes: 50 random bits in base32 groups. Both
//!   are stored as HMAC-SHA256 under the server secret, so a database dump alone does not allow
//!   checking guesses.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use nexus_core::hex;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::domain::totp::base32_encode;

/// Prefix of every API key (lets secret scanners recognise leaked keys).
pub const API_KEY_PREFIX: &str = "nxs_";
/// Characters of an API key shown in listings (`nxs_` + 8).
pub const API_KEY_DISPLAY_CHARS: usize = 12;
/// Recovery codes issued per enrolment.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// `bytes` random bytes from the operating system's generator.
pub fn random_bytes(bytes: usize) -> Vec<u8> {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    buffer
}

/// An opaque 256-bit token, base64url without padding (43 characters).
pub fn opaque_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(32))
}

/// A new API key.
pub fn api_key() -> String {
    format!("{API_KEY_PREFIX}{}", opaque_token())
}

/// A new recovery code: `XXXXX-XXXXX` (10 base32 characters, 50 bits).
pub fn recovery_code() -> String {
    let text = base32_encode(&random_bytes(7));
    let text = text.get(..10).unwrap_or(&text);
    format!(
        "{}-{}",
        &text[..5.min(text.len())],
        text.get(5..).unwrap_or("")
    )
}

/// Normalises a typed recovery code: upper case, no spaces or dashes.
pub fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Lower-case hex SHA-256 of `text` (refresh and challenge token lookup keys).
pub fn sha256_hex(text: &str) -> String {
    hex::encode(&Sha256::digest(text.as_bytes()))
}

/// HMAC-SHA256 of `text` under `secret`.
pub fn keyed_hash(secret: &[u8], text: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return Vec::new();
    };
    mac.update(text.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// Constant-time equality of two secrets (or digests of them).
pub fn same_secret(left: &[u8], right: &[u8]) -> bool {
    bool::from(left.ct_eq(right))
}

/// Whether `text` looks like an API key (prefix, length, alphabet), checked before any lookup.
pub fn is_api_key_shaped(text: &str) -> bool {
    text.strip_prefix(API_KEY_PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_distinct() {
        let first = opaque_token();
        assert_eq!(first.len(), 43);
        assert_ne!(first, opaque_token());
        let key = api_key();
        assert!(is_api_key_shaped(&key), "{key}");
        assert!(!is_api_key_shaped("nxs_short"));
        assert!(!is_api_key_shaped(&key.replace("nxs_", "abc_")));
    }

    #[test]
    fn recovery_codes_normalise_to_ten_base32_characters() {
        let code = recovery_code();
        assert_eq!(code.len(), 11, "{code}");
        assert_eq!(normalize_recovery_code(&code.to_lowercase()).len(), 10);
        assert_eq!(normalize_recovery_code(" abcde-fghij "), "ABCDEFGHIJ");
    }

    #[test]
    fn keyed_hashes_depend_on_the_secret() {
        let one = keyed_hash(b"secret-one", "nxs_x");
        assert_eq!(one.len(), 32);
        assert!(same_secret(&one, &keyed_hash(b"secret-one", "nxs_x")));
        assert!(!same_secret(&one, &keyed_hash(b"secret-two", "nxs_x")));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
