//! Referral codes: 10 characters of RFC 4648 base32 (`A-Z 2-7`), 50 bits from a CSPRNG.
//!
//! Short enough to type, long enough that guessing a valid one is hopeless at any rate the
//! gateway allows; uniqueness is still enforced by the database (a clash is retried).

use rand::RngCore;

/// Length of a code.
pub const REFERRAL_CODE_LENGTH: usize = 10;
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// A fresh code from the thread-local CSPRNG (ChaCha, seeded from the OS).
pub fn generate_referral_code() -> String {
    let mut bytes = [0_u8; REFERRAL_CODE_LENGTH];
    rand::rng().fill_bytes(&mut bytes);
    // 256 is a multiple of 32, so taking the low five bits keeps every symbol equally likely.
    bytes
        .iter()
        .map(|byte| char::from(ALPHABET[usize::from(byte & 31)]))
        .collect()
}

/// The code as stored (trimmed, upper case), or `None` when it cannot be a code at all.
pub fn normalize_referral_code(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    (code.len() == REFERRAL_CODE_LENGTH && code.bytes().all(|byte| ALPHABET.contains(&byte)))
        .then_some(code)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn generated_codes_are_valid_and_distinct() {
        let first = generate_referral_code();
        let second = generate_referral_code();
        assert_eq!(normalize_referral_code(&first), Some(first.clone()));
        assert_ne!(first, second);
    }

    #[test]
    fn codes_are_case_insensitive_and_strict() {
        assert_eq!(
            normalize_referral_code(" abcdefgh23 "),
            Some("ABCDEFGH23".into())
        );
        assert_eq!(normalize_referral_code("ABCDEFGH1Z"), None);
        assert_eq!(normalize_referral_code("ABCDEFGH2"), None);
    }
}
