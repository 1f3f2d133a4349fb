//! Hexadecimal text for bytes: digests, key fingerprints, trace and span ids, Ed25519 keys and
//! signatures. The digits come from the `hex` crate; this module fixes the platform's rules on
//! top of it.
//!
//! The platform writes lower-case hex everywhere (samples are addressed by it, and tokens are
//! looked up by it), so [`encode`] is lower case; [`encode_upper`] exists only for formats that
//! prescribe upper case, such as the GUID of a PDB reference. Decoding accepts either case
//! ([`decode`], [`decode_array`]) except where a specification demands lower case, as the W3C
//! `traceparent` header does ([`decode_lower_array`]).

/// `bytes` as lower-case hex, two digits per byte.
pub fn encode(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// `bytes` as upper-case hex, two digits per byte, for formats that prescribe upper case.
pub fn encode_upper(bytes: &[u8]) -> String {
    hex::encode_upper(bytes)
}

/// Hex in either case to bytes; `None` for an odd number of digits or any other character.
/// An empty text decodes to no bytes.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    hex::decode(text).ok()
}

/// Exactly `2 * N` hex digits in either case to `N` bytes; `None` for any other length or
/// character. Fixed-size values (keys, signatures) then need no length check of their own.
pub fn decode_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    let mut bytes = [0u8; N];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(bytes)
}

/// Exactly `2 * N` lower-case hex digits to `N` bytes; `None` for any other length, any other
/// character, and upper-case letters, for formats (such as W3C `traceparent`) that require
/// lower case and whose receivers must refuse anything else.
pub fn decode_lower_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.bytes().any(|digit| digit.is_ascii_uppercase()) {
        return None;
    }
    decode_array(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn encoding_is_lower_case_two_digits_per_byte() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0x00, 0x0f, 0xab, 0xff]), "000fabff");
        assert_eq!(encode_upper(&[0x00, 0x0f, 0xab, 0xff]), "000FABFF");
    }

    #[test]
    fn every_byte_encodes_like_the_formatter() {
        for byte in 0..=u8::MAX {
            assert_eq!(encode(&[byte]), format!("{byte:02x}"));
            assert_eq!(encode_upper(&[byte]), format!("{byte:02X}"));
        }
    }

    #[test]
    fn decoding_accepts_either_case() {
        assert_eq!(decode("ABcd"), Some(vec![0xab, 0xcd]));
        assert_eq!(decode(""), Some(Vec::new()));
        assert_eq!(decode_array::<2>("ABcd"), Some([0xab, 0xcd]));
        assert_eq!(decode_array::<0>(""), Some([]));
    }

    #[test]
    fn odd_lengths_and_non_hex_characters_are_refused() {
        for bad in [
            "a", "abc", "zz", "0g", "+f", "-1", " 0", "0 ", "0x", "é", "é0", "0é",
        ] {
            assert_eq!(decode(bad), None, "{bad:?}");
            assert_eq!(decode_array::<1>(bad), None, "{bad:?}");
            assert_eq!(decode_lower_array::<1>(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn fixed_size_decoding_wants_the_exact_length() {
        assert_eq!(decode_array::<2>("ab"), None);
        assert_eq!(decode_array::<2>("abcdef"), None);
        assert_eq!(decode_lower_array::<2>("ab"), None);
        assert_eq!(decode_lower_array::<2>("abcdef"), None);
        assert_eq!(decode_lower_array::<3>("abcdef"), Some([0xab, 0xcd, 0xef]));
    }

    #[test]
    fn the_strict_decoder_refuses_upper_case() {
        assert_eq!(decode_lower_array::<2>("ABCD"), None);
        assert_eq!(decode_lower_array::<2>("abcD"), None);
        assert_eq!(decode_lower_array::<2>("abcd"), Some([0xab, 0xcd]));
        assert_eq!(decode_lower_array::<2>("0190"), Some([0x01, 0x90]));
    }

    proptest! {
        #[test]
        fn bytes_round_trip_through_lower_case(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let text = encode(&bytes);
            prop_assert_eq!(text.len(), bytes.len() * 2);
            prop_assert!(text.bytes().all(|digit| b"0123456789abcdef".contains(&digit)));
            prop_assert_eq!(decode(&text), Some(bytes.clone()));
            prop_assert_eq!(decode(&encode_upper(&bytes)), Some(bytes));
        }

        #[test]
        fn arrays_round_trip_and_only_the_lenient_decoder_takes_upper_case(bytes in any::<[u8; 16]>()) {
            let lower = encode(&bytes);
            let upper = encode_upper(&bytes);
            prop_assert_eq!(decode_array::<16>(&lower), Some(bytes));
            prop_assert_eq!(decode_array::<16>(&upper), Some(bytes));
            prop_assert_eq!(decode_lower_array::<16>(&lower), Some(bytes));
            let has_letter = upper.bytes().any(|digit| digit.is_ascii_uppercase());
            prop_assert_eq!(decode_lower_array::<16>(&upper).is_none(), has_letter);
        }

        #[test]
        fn decoding_agrees_with_the_standard_library(text in "[0-9a-fA-F+ gz-]{0,12}") {
            let expected: Option<Vec<u8>> = if text.len() % 2 == 0
                && text.bytes().all(|digit| digit.is_ascii_hexdigit())
            {
                (0..text.len())
                    .step_by(2)
                    .map(|index| u8::from_str_radix(&text[index..index + 2], 16).ok())
                    .collect()
            } else {
                None
            };
            prop_assert_eq!(decode(&text), expected);
        }
    }
}
