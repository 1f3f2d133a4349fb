//! The crate's error type.

use alloy::primitives::TxHash;

/// Everything that can go wrong talking to the chain.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The RPC endpoint failed or returned garbage.
    #[error("rpc request failed: {0}")]
    Rpc(#[from] alloy::transports::TransportError),
    /// A contract call or deployment failed before being mined (for example it reverts in simulation).
    #[error("contract call failed: {0}")]
    Contract(#[from] alloy::contract::Error),
    /// A transaction was mined but reverted.
    #[error("transaction {0} reverted")]
    Reverted(TxHash),
    /// A transaction was not mined in time.
    #[error("transaction {0} was not mined in time")]
    Timeout(TxHash),
    /// A deployment did not produce a contract address.
    #[error("deployment transaction {0} created no contract")]
    NoContractAddress(TxHash),
    /// The configuration is invalid (bad URL, key or address).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// Bytes given as a signature are not one, or no account can be recovered from them (input
    /// from a client: a service answers it as a bad request).
    #[error("invalid signature: {0}")]
    InvalidSignature(String),
    /// EIP-712 typed data that cannot be encoded (unknown type, a value that does not fit it).
    #[error("invalid typed data: {0}")]
    InvalidTypedData(String),
}

impl ChainError {
    /// Stable machine-readable code of the error kind.
    pub fn code(&self) -> &'static str {
        match self {
            ChainError::Rpc(_) => "chain_rpc",
            ChainError::Contract(_) => "chain_contract",
            ChainError::Reverted(_) => "chain_reverted",
            ChainError::Timeout(_) => "chain_timeout",
            ChainError::NoContractAddress(_) => "chain_no_contract_address",
            ChainError::Config(_) => "chain_config",
            ChainError::InvalidSignature(_) => "chain_invalid_signature",
            ChainError::InvalidTypedData(_) => "chain_invalid_typed_data",
        }
    }
}
