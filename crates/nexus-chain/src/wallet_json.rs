//! The client side of the platform's intents: typed data JSON as the bounty service serves it
//! (`IntentToSign.typed_data`, `.permit`), signed as a wallet's `eth_signTypedData_v4` signs it,
//! and the message values a signed intent repeats. Shared by the marketplace's end-to-end tests
//! and `nexus engine`, which both act as a wallet would.

use alloy::primitives::B256;
use alloy::signers::SignerSync;
use alloy::signers::local::PrivateKeySigner;
use serde_json::Value;

use crate::ChainError;

/// The EIP-712 digest of `typed`, computed from the JSON with alloy's dynamic typed data (as a
/// wallet parses it, not from the service's own types, so a mismatch between the two shows).
pub fn typed_data_digest(typed: &Value) -> Result<B256, ChainError> {
    let parsed: alloy_dyn_abi::TypedData = serde_json::from_value(typed.clone())
        .map_err(|error| ChainError::InvalidTypedData(error.to_string()))?;
    parsed
        .eip712_signing_hash()
        .map_err(|error| ChainError::InvalidTypedData(error.to_string()))
}

/// What `eth_signTypedData_v4` returns for `typed` signed by `signer`: `0x` + r ‖ s ‖ v.
pub fn sign_typed_data_json(
    signer: &PrivateKeySigner,
    typed: &Value,
) -> Result<String, ChainError> {
    let digest = typed_data_digest(typed)?;
    let signature = signer
        .sign_hash_sync(&digest)
        .map_err(|error| ChainError::InvalidSignature(error.to_string()))?;
    Ok(alloy::hex::encode_prefixed(signature.as_bytes()))
}

/// `message[field]` of typed data as the decimal string a signed intent repeats (`nonce`,
/// `deadline`); numbers are accepted as JSON numbers or strings.
pub fn message_field(typed: &Value, field: &str) -> Option<String> {
    let value = &typed["message"][field];
    value
        .as_str()
        .map(str::to_owned)
        .or_else(|| value.as_u64().map(|number| number.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_fields_read_as_decimal_strings_whatever_their_json_type() {
        let typed = serde_json::json!({"message": {"nonce": 7, "deadline": "1700000000"}});
        assert_eq!(message_field(&typed, "nonce").as_deref(), Some("7"));
        assert_eq!(
            message_field(&typed, "deadline").as_deref(),
            Some("1700000000")
        );
        assert_eq!(message_field(&typed, "salt"), None);
    }

    #[test]
    fn typed_data_a_wallet_cannot_parse_is_refused() {
        let refused = typed_data_digest(&serde_json::json!({"types": 3}));
        assert!(matches!(refused, Err(ChainError::InvalidTypedData(_))));
    }
}
