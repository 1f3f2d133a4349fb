//! EIP-712 signed intents and EIP-2612 permits, signed with the user's own key so that someone else
//! (the bounty service) can relay them: the user needs no ETH and never hands over the key.
//!
//! Bounty intents (`CreateBounty`, `CommitAssertion`, `OpenDispute`) are signed in the bounty
//! contract's domain ([`bounty_domain`]) with the bounty contract's `nonces(signer)`; staking intents
//! (`Stake`, `RequestUnstake`) and permits in the NXS token's domain ([`token_domain`]), staking
//! intents with the token's `intentNonces(signer)` and permits with its `nonces(owner)`
//! (docs/CONTRACTS.md, "Signed intents", says why there are three sequences).
//!
//! The type strings are the contracts' (`CREATE_BOUNTY_TYPEHASH`, `STAKE_TYPEHASH`, ...); the anvil
//! tests check that intents signed here are accepted by the `...BySig` functions. A wallet signs the
//! same values from the JSON of [`crate::typed_data`] instead.

use alloy::primitives::{Address, B256, U256};
use alloy::signers::SignerSync;
use alloy::sol_types::{Eip712Domain, SolStruct, eip712_domain};

use crate::bindings::bounty::BountyContract;
use crate::bindings::token::ReputationToken;
use crate::error::ChainError;

alloy::sol! {
    /// EIP-712 `CreateBounty` (see `BountyContract.CREATE_BOUNTY_TYPEHASH`).
    struct CreateBounty {
        address creator;
        bytes32 artifactHash;
        uint8 kind;
        uint128 reward;
        uint128 minStake;
        uint64 assertionDeadline;
        uint256 nonce;
        uint256 deadline;
    }

    /// EIP-712 `CommitAssertion` (see `BountyContract.COMMIT_ASSERTION_TYPEHASH`).
    struct CommitAssertion {
        address analyst;
        uint256 bountyId;
        bytes32 commitment;
        uint128 stake;
        uint256 nonce;
        uint256 deadline;
    }

    /// EIP-712 `OpenDispute` (see `BountyContract.OPEN_DISPUTE_TYPEHASH`).
    struct OpenDispute {
        address disputant;
        uint256 bountyId;
        uint256 nonce;
        uint256 deadline;
    }

    /// EIP-712 `Stake` of the NXS token (see `ReputationToken.STAKE_TYPEHASH`).
    struct Stake {
        address account;
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
    }

    /// EIP-712 `RequestUnstake` of the NXS token (see `ReputationToken.REQUEST_UNSTAKE_TYPEHASH`).
    struct RequestUnstake {
        address account;
        uint256 amount;
        uint256 nonce;
        uint256 deadline;
    }

    /// EIP-2612 `Permit` of the NXS token.
    struct Permit {
        address owner;
        address spender;
        uint256 value;
        uint256 nonce;
        uint256 deadline;
    }
}

/// The bounty contract's EIP-712 domain.
pub fn bounty_domain(chain_id: u64, bounty: Address) -> Eip712Domain {
    eip712_domain! {
        name: "Nexus Bounty",
        version: "1",
        chain_id: chain_id,
        verifying_contract: bounty,
    }
}

/// The NXS token's EIP-712 domain (for permits and staking intents).
pub fn token_domain(chain_id: u64, token: Address) -> Eip712Domain {
    eip712_domain! {
        name: "Nexus Security",
        version: "1",
        chain_id: chain_id,
        verifying_contract: token,
    }
}

fn sign(
    signer: &impl SignerSync,
    payload: &impl SolStruct,
    domain: &Eip712Domain,
) -> Result<alloy::primitives::Signature, ChainError> {
    signer
        .sign_hash_sync(&payload.eip712_signing_hash(domain))
        .map_err(|error| ChainError::Config(format!("signing failed: {error}")))
}

impl CreateBounty {
    /// The intent to create `request` as `creator`, with the creator's next `nonce`.
    pub fn for_request(
        creator: Address,
        request: &BountyContract::CreateBountyRequest,
        nonce: U256,
        deadline: U256,
    ) -> Self {
        Self {
            creator,
            artifactHash: request.artifactHash,
            kind: request.kind,
            reward: request.reward,
            minStake: request.minStake,
            assertionDeadline: request.assertionDeadline,
            nonce,
            deadline,
        }
    }
}

/// Signs a `CreateBounty` intent (relay it with `createBountyBySig`).
pub fn sign_create_bounty(
    signer: &impl SignerSync,
    domain: &Eip712Domain,
    payload: &CreateBounty,
) -> Result<BountyContract::Intent, ChainError> {
    let signature = sign(signer, payload, domain)?;
    Ok(bounty_intent(
        payload.creator,
        payload.nonce,
        payload.deadline,
        &signature,
    ))
}

/// Signs a `CommitAssertion` intent (relay it with `commitBySig`).
pub fn sign_commit(
    signer: &impl SignerSync,
    domain: &Eip712Domain,
    payload: &CommitAssertion,
) -> Result<BountyContract::Intent, ChainError> {
    let signature = sign(signer, payload, domain)?;
    Ok(bounty_intent(
        payload.analyst,
        payload.nonce,
        payload.deadline,
        &signature,
    ))
}

/// Signs an `OpenDispute` intent (relay it with `openDisputeBySig`).
pub fn sign_open_dispute(
    signer: &impl SignerSync,
    domain: &Eip712Domain,
    payload: &OpenDispute,
) -> Result<BountyContract::Intent, ChainError> {
    let signature = sign(signer, payload, domain)?;
    Ok(bounty_intent(
        payload.disputant,
        payload.nonce,
        payload.deadline,
        &signature,
    ))
}

/// Signs a `Stake` intent in the token's domain (relay it with the token's `stakeBySig`).
pub fn sign_stake(
    signer: &impl SignerSync,
    token_domain: &Eip712Domain,
    payload: &Stake,
) -> Result<ReputationToken::Intent, ChainError> {
    let signature = sign(signer, payload, token_domain)?;
    Ok(token_intent(
        payload.account,
        payload.nonce,
        payload.deadline,
        &signature,
    ))
}

/// Signs a `RequestUnstake` intent in the token's domain (relay it with `requestUnstakeBySig`).
pub fn sign_request_unstake(
    signer: &impl SignerSync,
    token_domain: &Eip712Domain,
    payload: &RequestUnstake,
) -> Result<ReputationToken::Intent, ChainError> {
    let signature = sign(signer, payload, token_domain)?;
    Ok(token_intent(
        payload.account,
        payload.nonce,
        payload.deadline,
        &signature,
    ))
}

/// Signs an EIP-2612 permit letting `spender` (the bounty contract) take `value` from `owner`.
pub fn sign_permit(
    signer: &impl SignerSync,
    token_domain: &Eip712Domain,
    permit: &Permit,
) -> Result<BountyContract::PermitSignature, ChainError> {
    let signature = sign(signer, permit, token_domain)?;
    Ok(permit_signature(&signature, permit.deadline))
}

/// The contract's `PermitSignature` from the 65-byte signature (r ‖ s ‖ v) a wallet returned for
/// the typed data of [`crate::typed_data::permit`] with this `deadline`. An error (never a panic)
/// if the bytes are not a signature.
pub fn permit_from_wallet(
    signature: &[u8],
    deadline: U256,
) -> Result<BountyContract::PermitSignature, ChainError> {
    let signature = alloy::primitives::Signature::try_from(signature)
        .map_err(|error| ChainError::InvalidSignature(format!("permit: {error}")))?;
    Ok(permit_signature(&signature, deadline))
}

/// The contract's `PermitSignature` of a permit `signature` with this `deadline` (`v` as 27/28).
pub fn permit_signature(
    signature: &alloy::primitives::Signature,
    deadline: U256,
) -> BountyContract::PermitSignature {
    BountyContract::PermitSignature {
        deadline,
        v: 27 + u8::from(signature.v()),
        r: B256::from(signature.r()),
        s: B256::from(signature.s()),
    }
}

/// The token's `Intent` envelope: the same fields as the bounty contract's, a distinct ABI type.
pub fn token_intent(
    signer: Address,
    nonce: U256,
    deadline: U256,
    signature: &alloy::primitives::Signature,
) -> ReputationToken::Intent {
    ReputationToken::Intent {
        signer,
        nonce,
        deadline,
        signature: signature.as_bytes().to_vec().into(),
    }
}

/// The bounty contract's `Intent` envelope of `signer`'s signed intent.
pub fn bounty_intent(
    signer: Address,
    nonce: U256,
    deadline: U256,
    signature: &alloy::primitives::Signature,
) -> BountyContract::Intent {
    BountyContract::Intent {
        signer,
        nonce,
        deadline,
        signature: signature.as_bytes().to_vec().into(),
    }
}
