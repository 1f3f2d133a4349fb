//! Standard Webhooks 1.0 signatures (pure): `whsec_` secrets and the `webhook-signature` header.
//!
//! The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the signature is the base64
//! HMAC-SHA256 of it under the secret's bytes (the base64 after `whsec_`), sent as
//! `v1,<signature>`. While a rotated-out secret still signs, the header carries both signatures,
//! separated by a space; a receiver accepts the message if any one verifies.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// The prefix of every secret's text form.
pub const SECRET_PREFIX: &str = "whsec_";
/// Random bytes in a secret this service generates (the specification allows 24 to 64).
pub const GENERATED_SECRET_BYTES: usize = 32;
const MIN_SECRET_BYTES: usize = 24;
const MAX_SECRET_BYTES: usize = 64;

/// A signing secret. Its `Debug` never shows the key; [`Secret::expose`] is the only way to the
/// text form (shown once, at creation or rotation, and stored).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

/// Why a text is not a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// Not `whsec_` followed by standard base64.
    #[error("a webhook secret is `whsec_` followed by base64")]
    Malformed,
    /// Fewer than 24 or more than 64 bytes.
    #[error("a webhook secret holds 24 to 64 bytes")]
    Length,
}

impl Secret {
    /// A new secret of [`GENERATED_SECRET_BYTES`] bytes from the operating system's generator.
    pub fn generate() -> Self {
        let mut bytes = vec![0; GENERATED_SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Parses `whsec_<base64>`.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::Malformed)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::Malformed)?;
        if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&bytes.len()) {
            return Err(SecretError::Length);
        }
        Ok(Self(bytes))
    }

    /// The text form, `whsec_<base64>`.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// The base64 HMAC-SHA256 of `{id}.{timestamp}.{body}` under this secret (no `v1,`).
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = match HmacSha256::new_from_slice(&self.0) {
            Ok(mac) => mac,
            // HMAC takes keys of any length; this arm cannot be reached.
            Err(_) => return String::new(),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        STANDARD.encode(mac.finalize().into_bytes())
    }

    /// Whether `signature` (base64, no version) is this secret's signature of the content, in
    /// constant time.
    pub fn verifies(&self, id: &str, timestamp: i64, body: &[u8], signature: &str) -> bool {
        let Ok(given) = STANDARD.decode(signature) else {
            return false;
        };
        let Ok(mut mac) = HmacSha256::new_from_slice(&self.0) else {
            return false;
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&given).is_ok()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The `webhook-signature` header value: `v1,<sig>` for each secret in order, space-separated.
pub fn signature_header(secrets: &[&Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| format!("v1,{}", secret.sign(id, timestamp, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether any `v1` signature in `header` is `secret`'s (what a receiver does; used by tests and
/// kept beside the signer so both read the same rules).
pub fn header_verifies(
    secret: &Secret,
    header: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> bool {
    header.split(' ').any(|entry| {
        entry
            .strip_prefix("v1,")
            .is_some_and(|signature| secret.verifies(id, timestamp, body, signature))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The specification's reference vector: the official libraries' test "sign function works"
    // (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, and the
    // same values in the other languages' suites): secret, id, timestamp, payload and the
    // expected header below.
    const SPEC_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const SPEC_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const SPEC_TIMESTAMP: i64 = 1_614_265_330;
    const SPEC_PAYLOAD: &str = r#"{"test": 2432232314}"#;
    const SPEC_SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn the_specifications_example_signs_to_its_published_value() {
        let secret = Secret::parse(SPEC_SECRET).unwrap();
        let header = signature_header(&[&secret], SPEC_ID, SPEC_TIMESTAMP, SPEC_PAYLOAD.as_bytes());
        assert_eq!(header, SPEC_SIGNATURE);
        assert!(header_verifies(
            &secret,
            SPEC_SIGNATURE,
            SPEC_ID,
            SPEC_TIMESTAMP,
            SPEC_PAYLOAD.as_bytes()
        ));
    }

    #[test]
    fn a_changed_id_timestamp_or_body_does_not_verify() {
        let secret = Secret::parse(SPEC_SECRET).unwrap();
        let body = SPEC_PAYLOAD.as_bytes();
        assert!(!header_verifies(
            &secret,
            SPEC_SIGNATURE,
            "msg_other",
            SPEC_TIMESTAMP,
            body
        ));
        assert!(!header_verifies(
            &secret,
            SPEC_SIGNATURE,
            SPEC_ID,
            SPEC_TIMESTAMP + 1,
            body
        ));
        assert!(!header_verifies(
            &secret,
            SPEC_SIGNATURE,
            SPEC_ID,
            SPEC_TIMESTAMP,
            br#"{"test": 2432232315}"#
        ));
        assert!(!header_verifies(
            &secret,
            "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            SPEC_ID,
            SPEC_TIMESTAMP,
            body
        ));
        assert!(!header_verifies(
            &secret,
            "v1,",
            SPEC_ID,
            SPEC_TIMESTAMP,
            body
        ));
    }

    #[test]
    fn during_rotation_both_secrets_sign_and_either_verifies() {
        let old = Secret::parse(SPEC_SECRET).unwrap();
        let new = Secret::generate();
        let header = signature_header(
            &[&new, &old],
            SPEC_ID,
            SPEC_TIMESTAMP,
            SPEC_PAYLOAD.as_bytes(),
        );
        let parts: Vec<_> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1], SPEC_SIGNATURE);
        assert!(header_verifies(
            &new,
            &header,
            SPEC_ID,
            SPEC_TIMESTAMP,
            SPEC_PAYLOAD.as_bytes()
        ));
        assert!(header_verifies(
            &old,
            &header,
            SPEC_ID,
            SPEC_TIMESTAMP,
            SPEC_PAYLOAD.as_bytes()
        ));
        assert!(!header_verifies(
            &Secret::generate(),
            &header,
            SPEC_ID,
            SPEC_TIMESTAMP,
            SPEC_PAYLOAD.as_bytes()
        ));
    }

    #[test]
    fn secrets_round_trip_and_bad_ones_are_refused() {
        let secret = Secret::generate();
        let text = secret.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(Secret::parse(&text).unwrap(), secret);
        assert_ne!(Secret::generate(), secret);
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(
            Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::Malformed)
        );
        assert_eq!(Secret::parse("whsec_!!!"), Err(SecretError::Malformed));
        assert_eq!(Secret::parse("whsec_AAAA"), Err(SecretError::Length));
    }
}
