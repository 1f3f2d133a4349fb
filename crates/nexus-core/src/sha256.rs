//! [`Sha256`]: a SHA-256 digest in the platform's text form, the address of a sample.
//!
//! Samples are stored, looked up, cached and linked by this text, so one spelling must win: 64
//! lower-case hex digits. Upper case is refused rather than folded, because a folded address
//! would answer for a URL the platform never hands out (and two spellings of one sample would
//! split caches keyed by the text).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A SHA-256 digest as 64 lower-case hex digits. Only [`FromStr`]/[`TryFrom`] (which check the
/// text) and [`Sha256::from_digest`] (which writes it) make one, so holding a `Sha256` means the
/// text is well formed. Serialized as that text, so wire formats are the plain string they were.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256(String);

/// Digits in the text form: two per byte of the 32-byte digest.
const DIGITS: usize = 64;

impl Sha256 {
    /// The text form of a digest computed elsewhere (the engine hashes the bytes).
    pub fn from_digest(digest: [u8; 32]) -> Self {
        Self(crate::hex::encode(&digest))
    }

    /// The 64 lower-case hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 32 bytes the text encodes.
    pub fn to_digest(&self) -> [u8; 32] {
        // Construction checked the text, so decoding cannot fail; the zero fallback is unreachable
        // and keeps this free of a panic path.
        crate::hex::decode_array(&self.0).unwrap_or([0; 32])
    }
}

/// What was wrong with a text offered as a [`Sha256`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sha256Error {
    /// Not 64 characters long (the length found).
    Length(usize),
    /// Right length, but a character other than `0-9` and `a-f` (upper case included).
    NotLowerHex,
}

impl fmt::Display for Sha256Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length(length) => write!(
                f,
                "a SHA-256 is 64 lower-case hex digits, not {length} characters"
            ),
            Self::NotLowerHex => f.write_str("a SHA-256 is 64 lower-case hex digits (0-9, a-f)"),
        }
    }
}

impl std::error::Error for Sha256Error {}

fn check(text: &str) -> Result<(), Sha256Error> {
    if text.len() != DIGITS {
        return Err(Sha256Error::Length(text.chars().count()));
    }
    if !text
        .bytes()
        .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(Sha256Error::NotLowerHex);
    }
    Ok(())
}

impl FromStr for Sha256 {
    type Err = Sha256Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        check(text)?;
        Ok(Self(text.to_owned()))
    }
}

impl TryFrom<String> for Sha256 {
    type Error = Sha256Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        check(&text)?;
        Ok(Self(text))
    }
}

impl From<Sha256> for String {
    fn from(digest: Sha256) -> Self {
        digest.0
    }
}

/// Compares with text as written (so a test can hold its expected digests as constants).
impl PartialEq<str> for Sha256 {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Sha256 {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl AsRef<str> for Sha256 {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_empty_file_digest_parses_and_prints_unchanged() {
        let text = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let digest: Sha256 = text.parse().unwrap();
        assert_eq!(digest.to_string(), text);
        assert_eq!(Sha256::from_digest(digest.to_digest()), digest);
    }

    #[test]
    fn malformed_text_is_refused_saying_what_is_wrong() {
        assert_eq!(
            "a".repeat(63).parse::<Sha256>(),
            Err(Sha256Error::Length(63))
        );
        assert_eq!("".parse::<Sha256>(), Err(Sha256Error::Length(0)));
        assert_eq!(
            "A".repeat(64).parse::<Sha256>(),
            Err(Sha256Error::NotLowerHex)
        );
        assert_eq!(
            format!("{}g", "a".repeat(63)).parse::<Sha256>(),
            Err(Sha256Error::NotLowerHex)
        );
        // The length reported is in characters, as a person would count them.
        assert_eq!(
            format!("{}é", "a".repeat(64)).parse::<Sha256>(),
            Err(Sha256Error::Length(65))
        );
        assert_eq!(
            format!("{}é", "a".repeat(62)).parse::<Sha256>(),
            Err(Sha256Error::NotLowerHex)
        );
        assert!(Sha256Error::NotLowerHex.to_string().contains("lower-case"));
    }

    #[test]
    fn serde_uses_the_plain_string_and_checks_it() {
        let digest = Sha256::from_digest([0xab; 32]);
        let json = serde_json::to_string(&digest).unwrap();
        assert_eq!(json, format!("\"{}\"", "ab".repeat(32)));
        assert_eq!(serde_json::from_str::<Sha256>(&json).unwrap(), digest);
        assert!(serde_json::from_str::<Sha256>("\"abc\"").is_err());
        assert!(serde_json::from_str::<Sha256>(&format!("\"{}\"", "AB".repeat(32))).is_err());
    }

    proptest! {
        #[test]
        fn any_digest_round_trips_through_text_and_serde(bytes in any::<[u8; 32]>()) {
            let digest = Sha256::from_digest(bytes);
            prop_assert_eq!(digest.to_digest(), bytes);
            prop_assert_eq!(digest.as_str().parse::<Sha256>(), Ok(digest.clone()));
            let json = serde_json::to_string(&digest).unwrap();
            prop_assert_eq!(serde_json::from_str::<Sha256>(&json).unwrap(), digest);
        }

        #[test]
        fn parse_accepts_exactly_64_lower_case_hex_digits(text in "[0-9a-fA-Fg-z]{60,68}") {
            let well_formed = text.len() == 64
                && text.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte));
            prop_assert_eq!(text.parse::<Sha256>().is_ok(), well_formed);
        }
    }
}
