//! Ed25519 public keys for WebSocket sign-in: decoding (hex or base64), vetting, and the proof
//! of possession a registration carries.
//!
//! A key must decode to 32 bytes that decompress to a curve point (else `malformed_key`) and
//! must not be of small order (`weak_key`): a small-order key such as the identity point
//! admits signatures that verify for many messages without knowledge of a secret key.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use ed25519_dalek::{PUBLIC_KEY_LENGTH, Signature, VerifyingKey};
use nexus_core::hex;

/// Longest text accepted before decoding.
const MAX_KEY_TEXT: usize = 128;

/// Why a key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WsKeyError {
    /// Not 64 hex digits or base64 of 32 bytes, or not a curve point.
    #[error(
        "the public key must be a 32-byte Ed25519 key as 64 hex digits or base64, and a valid curve point"
    )]
    Malformed,
    /// A small-order point.
    #[error("the public key is a weak (small-order) point; generate a fresh key pair")]
    Weak,
    /// The proof of possession is not 64 bytes of hex or does not verify strictly.
    #[error("the signature over the registration message does not verify with this key")]
    BadSignature,
}

/// The message a key signs to prove its holder registers it: the purpose, the account, the
/// key and the server's challenge, one per line. Binding the account means a signature made
/// for one account cannot register the key to another; binding the key means it cannot be
/// reused for another key the same person holds.
pub fn registration_message(user_id: &str, public_key_hex: &str, challenge: &str) -> String {
    format!(
        "nexus-ws-key-registration\nuser:{user_id}\nkey:{public_key_hex}\nchallenge:{}",
        challenge.to_ascii_lowercase()
    )
}

/// Checks the Ed25519 signature (128 hex digits) of `message` by `public_key_hex` (vetted by
/// [`parse_public_key`]) with the strict verification (no malleable or small-order forms).
pub fn verify_possession(
    public_key_hex: &str,
    message: &str,
    signature_hex: &str,
) -> Result<(), WsKeyError> {
    let key_bytes: [u8; PUBLIC_KEY_LENGTH] =
        hex::decode_array(public_key_hex).ok_or(WsKeyError::Malformed)?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| WsKeyError::Malformed)?;
    let signature: [u8; 64] =
        hex::decode_array(signature_hex.trim()).ok_or(WsKeyError::BadSignature)?;
    key.verify_strict(message.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| WsKeyError::BadSignature)
}

/// Decodes `text` (64 hex digits, or standard/URL-safe base64 with or without padding) and
/// vets it; returns the key as 64 lower-case hex digits.
pub fn parse_public_key(text: &str) -> Result<String, WsKeyError> {
    let text = text.trim();
    if text.len() > MAX_KEY_TEXT {
        return Err(WsKeyError::Malformed);
    }
    let bytes =
        if text.len() == 2 * PUBLIC_KEY_LENGTH && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text)
        } else {
            [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(text).ok())
        }
        .ok_or(WsKeyError::Malformed)?;
    let array: [u8; PUBLIC_KEY_LENGTH] = bytes.try_into().map_err(|_| WsKeyError::Malformed)?;
    let key = VerifyingKey::from_bytes(&array).map_err(|_| WsKeyError::Malformed)?;
    if key.is_weak() {
        return Err(WsKeyError::Weak);
    }
    Ok(hex::encode(&array))
}

/// `Some` when `text` is exactly 64 hex digits (any case); the lower-case form.
pub fn normalize_hex_key(text: &str) -> Option<String> {
    (text.len() == 2 * PUBLIC_KEY_LENGTH && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use ed25519_dalek::SigningKey;
    use nexus_core::hex::encode as encode_hex;

    fn a_key() -> [u8; 32] {
        SigningKey::from_bytes(&[7; 32]).verifying_key().to_bytes()
    }

    #[test]
    fn hex_and_every_base64_flavour_decode_to_the_same_key() {
        let key = a_key();
        let hex = encode_hex(&key);
        assert_eq!(parse_public_key(&hex.to_uppercase()).unwrap(), hex);
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
            assert_eq!(parse_public_key(&engine.encode(key)).unwrap(), hex);
        }
    }

    #[test]
    fn garbage_and_wrong_lengths_are_malformed() {
        for bad in [
            "",
            "zz",
            &"ab".repeat(31),
            &"ab".repeat(33),
            "not base64 at all!",
        ] {
            assert_eq!(parse_public_key(bad), Err(WsKeyError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn the_identity_point_is_weak() {
        let mut identity = [0_u8; 32];
        identity[0] = 1;
        assert_eq!(
            parse_public_key(&encode_hex(&identity)),
            Err(WsKeyError::Weak)
        );
    }

    #[test]
    fn only_the_key_s_signature_over_this_account_and_challenge_proves_possession() {
        use ed25519_dalek::Signer;
        let signing = SigningKey::from_bytes(&[7; 32]);
        let key = encode_hex(signing.verifying_key().as_bytes());
        let challenge = "ab".repeat(32);
        let message = registration_message("u-1", &key, &challenge);
        let signature = encode_hex(&signing.sign(message.as_bytes()).to_bytes());
        assert_eq!(verify_possession(&key, &message, &signature), Ok(()));
        for other in [
            registration_message("u-2", &key, &challenge),
            registration_message("u-1", &key, &"cd".repeat(32)),
        ] {
            assert_eq!(
                verify_possession(&key, &other, &signature),
                Err(WsKeyError::BadSignature)
            );
        }
        let stranger = SigningKey::from_bytes(&[8; 32]);
        let forged = encode_hex(&stranger.sign(message.as_bytes()).to_bytes());
        assert_eq!(
            verify_possession(&key, &message, &forged),
            Err(WsKeyError::BadSignature)
        );
        assert_eq!(
            verify_possession(&key, &message, "zz"),
            Err(WsKeyError::BadSignature)
        );
    }

    #[test]
    fn a_non_point_is_malformed() {
        // y = 2 has no x on the curve.
        let mut not_a_point = [0_u8; 32];
        not_a_point[0] = 2;
        assert_eq!(
            parse_public_key(&encode_hex(&not_a_point)),
            Err(WsKeyError::Malformed)
        );
    }
}
