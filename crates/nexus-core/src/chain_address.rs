//! [`ChainAddress`]: a 20-byte EVM account address, written in its EIP-55 checksummed form.
//!
//! Users paste addresses by hand, so parsing is where typos are caught: mixed-case text is an
//! EIP-55 checksum and must be a correct one; all-lower or all-upper text carries no checksum
//! and is taken as it is (wallets and explorers print both).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};

/// A 20-byte EVM address. [`fmt::Display`] (and serde) write the EIP-55 checksummed text
/// (`0x` + 40 hex digits whose letters' case encodes the checksum); [`ChainAddress::to_lower_hex`]
/// is the case-free form the database keys on.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChainAddress([u8; 20]);

impl ChainAddress {
    /// The address with these bytes.
    pub const fn from_bytes(bytes: [u8; 20]) -> Self {
        Self(bytes)
    }

    /// The 20 bytes.
    pub const fn to_bytes(self) -> [u8; 20] {
        self.0
    }

    /// `0x` + 40 lower-case hex digits: one spelling per address, for storage and look-ups.
    pub fn to_lower_hex(self) -> String {
        format!("0x{}", crate::hex::encode(&self.0))
    }

    /// `0x` + the EIP-55 checksummed digits: a letter is upper case when the matching nibble
    /// of Keccak-256 of the lower-case digits is 8 or more.
    pub fn to_checksummed(self) -> String {
        let lower = crate::hex::encode(&self.0);
        let hash = Keccak256::digest(lower.as_bytes());
        let mut text = String::with_capacity(42);
        text.push_str("0x");
        for (index, digit) in lower.chars().enumerate() {
            let byte = hash[index / 2];
            let nibble = if index % 2 == 0 {
                byte >> 4
            } else {
                byte & 0x0f
            };
            text.push(if nibble >= 8 {
                digit.to_ascii_uppercase()
            } else {
                digit
            });
        }
        text
    }
}

/// What was wrong with a text offered as a [`ChainAddress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainAddressError {
    /// It does not start with `0x`.
    MissingPrefix,
    /// After `0x`, not exactly 40 hex digits.
    NotFortyHexDigits,
    /// Mixed case that is not the address's EIP-55 checksum (a typo, most likely).
    BadChecksum,
}

impl fmt::Display for ChainAddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingPrefix => "an address starts with 0x",
            Self::NotFortyHexDigits => "an address is 0x followed by 40 hex digits",
            Self::BadChecksum => {
                "a mixed-case address must carry a valid EIP-55 checksum (check for a typo)"
            }
        })
    }
}

impl std::error::Error for ChainAddressError {}

impl FromStr for ChainAddress {
    type Err = ChainAddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits = text
            .strip_prefix("0x")
            .ok_or(ChainAddressError::MissingPrefix)?;
        let bytes =
            crate::hex::decode_array::<20>(digits).ok_or(ChainAddressError::NotFortyHexDigits)?;
        let address = Self(bytes);
        let has_lower = digits.bytes().any(|byte| byte.is_ascii_lowercase());
        let has_upper = digits.bytes().any(|byte| byte.is_ascii_uppercase());
        if has_lower && has_upper && address.to_checksummed() != text {
            return Err(ChainAddressError::BadChecksum);
        }
        Ok(address)
    }
}

impl TryFrom<String> for ChainAddress {
    type Error = ChainAddressError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<ChainAddress> for String {
    fn from(address: ChainAddress) -> Self {
        address.to_checksummed()
    }
}

impl fmt::Display for ChainAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksummed())
    }
}

impl fmt::Debug for ChainAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChainAddress({})", self.to_checksummed())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use proptest::prelude::*;

    /// EIP-55's own test vectors.
    const VECTORS: [&str; 4] = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    #[test]
    fn the_eip55_vectors_parse_and_print_unchanged() {
        for vector in VECTORS {
            let address: ChainAddress = vector.parse().unwrap();
            assert_eq!(address.to_string(), vector);
            assert_eq!(address.to_lower_hex(), vector.to_lowercase());
            let json = serde_json::to_string(&address).unwrap();
            assert_eq!(json, format!("\"{vector}\""));
            assert_eq!(
                serde_json::from_str::<ChainAddress>(&json).unwrap(),
                address
            );
        }
    }

    #[test]
    fn single_case_text_needs_no_checksum() {
        let vector = VECTORS[0];
        let address: ChainAddress = vector.parse().unwrap();
        assert_eq!(vector.to_lowercase().parse(), Ok(address));
        assert_eq!(
            format!("0x{}", vector[2..].to_uppercase()).parse(),
            Ok(address)
        );
    }

    #[test]
    fn malformed_text_is_refused_saying_what_is_wrong() {
        let broken = VECTORS[0].replace("0x5aA", "0x5Aa");
        assert_eq!(
            broken.parse::<ChainAddress>(),
            Err(ChainAddressError::BadChecksum)
        );
        assert_eq!(
            VECTORS[0][2..].parse::<ChainAddress>(),
            Err(ChainAddressError::MissingPrefix)
        );
        for bad in ["0x", "0x12", "0xZZ", &format!("{}0", VECTORS[0]), " 0x00"] {
            assert!(bad.parse::<ChainAddress>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "0x12".parse::<ChainAddress>(),
            Err(ChainAddressError::NotFortyHexDigits)
        );
        assert!(serde_json::from_str::<ChainAddress>(&format!("\"{broken}\"")).is_err());
    }

    proptest! {
        #[test]
        fn any_address_round_trips_in_every_accepted_form(bytes in any::<[u8; 20]>()) {
            let address = ChainAddress::from_bytes(bytes);
            let checksummed = address.to_string();
            prop_assert_eq!(checksummed.len(), 42);
            prop_assert_eq!(checksummed.parse::<ChainAddress>(), Ok(address));
            prop_assert_eq!(address.to_lower_hex().parse::<ChainAddress>(), Ok(address));
            prop_assert_eq!(checksummed.to_lowercase(), address.to_lower_hex());
            prop_assert_eq!(address.to_bytes(), bytes);
        }

        #[test]
        fn flipping_the_case_of_one_letter_breaks_the_checksum(
            bytes in any::<[u8; 20]>(),
            pick in any::<prop::sample::Index>(),
        ) {
            let checksummed = ChainAddress::from_bytes(bytes).to_string();
            let letters: Vec<usize> = checksummed
                .char_indices()
                .skip(2)
                .filter(|(_, digit)| digit.is_ascii_alphabetic())
                .map(|(index, _)| index)
                .collect();
            prop_assume!(!letters.is_empty());
            let index = letters[pick.index(letters.len())];
            let mut flipped: Vec<char> = checksummed.chars().collect();
            flipped[index] = if flipped[index].is_ascii_uppercase() {
                flipped[index].to_ascii_lowercase()
            } else {
                flipped[index].to_ascii_uppercase()
            };
            let flipped: String = flipped.into_iter().collect();
            let single_case = flipped[2..].bytes().all(|digit| !digit.is_ascii_lowercase())
                || flipped[2..].bytes().all(|digit| !digit.is_ascii_uppercase());
            // A flip that leaves one case only is a case-free spelling, which is accepted.
            prop_assert_eq!(flipped.parse::<ChainAddress>().is_ok(), single_case);
        }
    }
}
