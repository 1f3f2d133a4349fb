//! Wallet addresses and chain ids as users send them.

use nexus_core::ChainAddress;

/// Largest chain id accepted: what a JSON number carries exactly (2^53 − 1).
pub const MAX_CHAIN_ID: u64 = (1 << 53) - 1;

/// Why an address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the address must be 0x followed by 40 hex digits, with a valid EIP-55 checksum if mixed case"
)]
pub struct WalletAddressError;

/// Parses `0x` + 40 hex digits, ignoring surrounding white space. All-lower or all-upper case
/// is taken as is; mixed case must be a valid EIP-55 checksum (a typo in a checksummed address
/// is caught, not linked). The rules are [`ChainAddress`]'s; users see one message for all.
pub fn parse_wallet_address(text: &str) -> Result<ChainAddress, WalletAddressError> {
    text.trim().parse().map_err(|_| WalletAddressError)
}

/// The address of an `alloy` address (what SIWE parsing and signature recovery give).
pub fn chain_address(address: alloy::primitives::Address) -> ChainAddress {
    ChainAddress::from_bytes(address.into_array())
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
        assert_eq!(address.to_lower_hex(), CHECKSUMMED.to_lowercase());
        assert_eq!(address.to_string(), CHECKSUMMED);
        let alloy: alloy::primitives::Address = CHECKSUMMED.parse().unwrap();
        assert_eq!(chain_address(alloy), address);
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
