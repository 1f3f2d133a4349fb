//! The dashboard's Ed25519 WebSocket sign-in, checked without I/O: shape, freshness, key
//! strength and a strict signature over `"{timestamp}:{nonce}"`. The nonce's single use and the
//! key's owner are checked by the caller (Redis and the user service).

use ed25519_dalek::{Signature, VerifyingKey};
use nexus_core::hex;
use nexus_proto::ws::SignedChallenge;

/// Why a signed challenge was refused. The client sees `auth_failed` with the message; the
/// metric label is [`ChallengeError::reason`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// A field is missing its expected encoding or length.
    #[error("the sign-in message is malformed: {0}")]
    Malformed(&'static str),
    /// The timestamp is too far from the server's clock.
    #[error("the signed timestamp is outside the accepted window; check the clock")]
    Stale,
    /// A small-order ("weak") public key, for which signatures prove nothing.
    #[error("the public key is not acceptable")]
    WeakKey,
    /// The signature does not verify strictly.
    #[error("the signature does not verify")]
    BadSignature,
}

impl ChallengeError {
    /// Metric label.
    pub fn reason(self) -> &'static str {
        match self {
            ChallengeError::Malformed(_) => "malformed",
            ChallengeError::Stale => "stale_timestamp",
            ChallengeError::WeakKey => "weak_key",
            ChallengeError::BadSignature => "bad_signature",
        }
    }
}

/// Longest nonce accepted.
const MAX_NONCE_LEN: usize = 128;
/// Shortest nonce accepted (16 hex digits = 64 bits).
const MIN_NONCE_LEN: usize = 16;
/// Timestamps above this are milliseconds, below it seconds.
const MILLISECONDS_FROM: i64 = 100_000_000_000;

/// Checks `challenge` at `now_seconds` (Unix time) with `max_skew_seconds` of slack either
/// way; returns the lower-case hex public key on success.
pub fn verify_challenge(
    challenge: &SignedChallenge,
    now_seconds: i64,
    max_skew_seconds: i64,
) -> Result<String, ChallengeError> {
    let nonce = challenge.nonce.as_str();
    if !(MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&nonce.len())
        || !nonce
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    {
        return Err(ChallengeError::Malformed(
            "nonce must be 16-128 characters of [A-Za-z0-9_-]",
        ));
    }
    let timestamp_seconds = if challenge.timestamp >= MILLISECONDS_FROM {
        challenge.timestamp / 1000
    } else {
        challenge.timestamp
    };
    if (now_seconds - timestamp_seconds).abs() > max_skew_seconds {
        return Err(ChallengeError::Stale);
    }
    let key_bytes: [u8; 32] = hex::decode_array(&challenge.public_key).ok_or(
        ChallengeError::Malformed("public_key must be 64 hex digits"),
    )?;
    let signature_bytes: [u8; 64] = hex::decode_array(&challenge.signature).ok_or(
        ChallengeError::Malformed("signature must be 128 hex digits"),
    )?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| ChallengeError::Malformed("public_key is not a curve point"))?;
    if key.is_weak() {
        return Err(ChallengeError::WeakKey);
    }
    let message = format!("{}:{}", challenge.timestamp, challenge.nonce);
    key.verify_strict(message.as_bytes(), &Signature::from_bytes(&signature_bytes))
        .map_err(|_| ChallengeError::BadSignature)?;
    Ok(hex::encode(&key_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};
    use nexus_core::hex::encode as encode_hex;

    const NOW: i64 = 1_800_000_000;

    fn signed(key: &SigningKey, timestamp: i64, nonce: &str) -> SignedChallenge {
        let signature = key.sign(format!("{timestamp}:{nonce}").as_bytes());
        SignedChallenge {
            public_key: encode_hex(key.verifying_key().as_bytes()),
            timestamp,
            nonce: nonce.to_owned(),
            signature: encode_hex(&signature.to_bytes()),
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    #[test]
    fn a_fresh_well_signed_challenge_passes_in_seconds_or_milliseconds() {
        let challenge = signed(&key(), NOW, "0123456789abcdef");
        assert_eq!(
            verify_challenge(&challenge, NOW, 30).unwrap(),
            encode_hex(key().verifying_key().as_bytes())
        );
        let millis = signed(&key(), NOW * 1000 + 5, "0123456789abcdef");
        assert!(verify_challenge(&millis, NOW, 30).is_ok());
    }

    #[test]
    fn stale_tampered_weak_and_malformed_challenges_fail() {
        let nonce = "0123456789abcdef";
        assert_eq!(
            verify_challenge(&signed(&key(), NOW - 31, nonce), NOW, 30),
            Err(ChallengeError::Stale)
        );
        assert_eq!(
            verify_challenge(&signed(&key(), NOW + 31, nonce), NOW, 30),
            Err(ChallengeError::Stale)
        );
        let mut tampered = signed(&key(), NOW, nonce);
        tampered.nonce = "0123456789abcdee".into();
        assert_eq!(
            verify_challenge(&tampered, NOW, 30),
            Err(ChallengeError::BadSignature)
        );
        // The identity point: a small-order key that "verifies" forged signatures under the
        // lenient check.
        let mut weak = signed(&key(), NOW, nonce);
        let mut identity = [0u8; 32];
        identity[0] = 1;
        weak.public_key = encode_hex(&identity);
        assert_eq!(
            verify_challenge(&weak, NOW, 30),
            Err(ChallengeError::WeakKey)
        );
        let mut short_nonce = signed(&key(), NOW, "abc");
        short_nonce.nonce = "abc".into();
        assert!(matches!(
            verify_challenge(&short_nonce, NOW, 30),
            Err(ChallengeError::Malformed(_))
        ));
        let mut bad_hex = signed(&key(), NOW, nonce);
        bad_hex.signature = "zz".into();
        assert!(matches!(
            verify_challenge(&bad_hex, NOW, 30),
            Err(ChallengeError::Malformed(_))
        ));
    }
}
