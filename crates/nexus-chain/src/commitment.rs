//! The sealed-assertion commitment, computed exactly as `BountyContract.commitmentOf` does.

use alloy::primitives::{Address, B256, U256, keccak256};
use alloy::sol_types::{SolType, sol_data};

/// The ABI types of the committed tuple, in order.
type CommittedTuple = (
    sol_data::Uint<256>,
    sol_data::Address,
    sol_data::Uint<8>,
    sol_data::Uint<8>,
    sol_data::FixedBytes<32>,
    sol_data::FixedBytes<32>,
);

/// An analyst's verdict as the contract encodes it (`enum Verdict { None, Benign, Malicious }`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum VerdictCode {
    /// `Verdict.Benign` (1).
    Benign = 1,
    /// `Verdict.Malicious` (2).
    Malicious = 2,
}

/// Everything an assertion commits to, besides the bounty and the analyst.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealedAssertion {
    /// The verdict.
    pub verdict: VerdictCode,
    /// Confidence in percent (0–100).
    pub confidence: u8,
    /// Hash of the analyst's report metadata.
    pub metadata_hash: B256,
    /// A secret random salt; only revealed with the assertion.
    pub salt: B256,
}

/// `keccak256(abi.encode(bountyId, analyst, verdict, confidence, metadataHash, salt))`.
pub fn commitment(bounty_id: U256, analyst: Address, assertion: &SealedAssertion) -> B256 {
    let encoded = CommittedTuple::abi_encode(&(
        bounty_id,
        analyst,
        assertion.verdict as u8,
        assertion.confidence,
        assertion.metadata_hash,
        assertion.salt,
    ));
    keccak256(encoded)
}
