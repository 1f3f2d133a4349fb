//! Wallet addresses and chain ids as users send them.

use alloy::primitives::Address;

/// Largest chain id accepted: what a JSON number carries exactly (2^53 − 1).
pub const MAX_CHAIN_ID: u64 = (1 << 53) - 1;

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the address must be 0x followed by 40 hex digits, with a valid EIP-55 checksum if mixed case"
)]
pub struct WalletAddressError;

/// Parses `0x` + 40 hex digits. All-lower or all-upper case is taken as is; mixed case must
/// be a valid EIP-55 checksum (a typo in a checksummed address is caught, not linked).
pub fn parse_wallet_address(text: &str) -> Result<Address, WalletAddressError> {
    let text = text.trim();
    let Some(digits) = text.strip_prefix("0x") else {
        return Err(WalletAddressError);
    };
    if digits.len() != 40 || !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(WalletAddressError);
    }
    let has_lower = digits.bytes().any(|byte| byte.is_ascii_lowercase());
    let has_upper = digits.bytes().any(|byte| byte.is_ascii_uppercase());
    if has_lower && has_upper {
        Address::parse_checksummed(text, None).map_err(|_| WalletAddressError)
    } else {
        text.parse().map_err(|_| WalletAddressError)
    }
}

/// The stored form: `0x` and 40 lower-case hex digits.
pub fn stored_form(address: &Address) -> String {
    format!("{address:#x}")
}

/// Whether `chain_id` is accepted (1 to 2^53 − 1).
pub fn valid_chain_id(chain_id: u64) -> bool {
    (1..=MAX_CHAIN_ID).contains(&chain_id)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const CHECKSUMMED: &str = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";

    #[test]
    fn checksummed_lower_and_upper_case_forms_are_the_same_address() {
        let address = parse_wallet_address(CHECKSUMMED).unwrap();
        assert_eq!(
            parse_wallet_address(&CHECKSUMMED.to_lowercase()).unwrap(),
            address
        );
        let upper = format!("0x{}", CHECKSUMMED[2..].to_uppercase());
        assert_eq!(parse_wallet_address(&upper).unwrap(), address);
        assert_eq!(stored_form(&address), CHECKSUMMED.to_lowercase());
    }

    #[test]
    fn a_broken_checksum_and_malformed_text_are_refused() {
        let broken = CHECKSUMMED.replace("C02aaA", "c02aaA");
        for bad in [
            broken.as_str(),
            "C02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
            "0x12",
            "0xZZ",
        ] {
            assert_eq!(parse_wallet_address(bad), Err(WalletAddressError), "{bad}");
        }
    }
}
