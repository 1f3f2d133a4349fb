//! EIP-712 typed data as the JSON object a wallet's `eth_signTypedData_v4` takes (`types` including
//! `EIP712Domain`, `primaryType`, `domain`, `message`), one builder per intent, so a client never
//! builds typed data by hand: the bounty service serves these objects from
//! `GET /v1/bounties/intents/{create|commit|dispute|stake}` and relays what the wallet signed.
//!
//! Every builder takes the terms, the signer's current nonce and a deadline (a unix timestamp), and
//! returns a [`TypedData`] that serializes to that JSON. Which nonce goes where
//! ([`SignerNonces`] reads all three from the chain):
//!
//! | builder | domain | nonce |
//! |---|---|---|
//! | [`create_bounty`], [`commit`], [`open_dispute`] | bounty contract | `SignerNonces::bounty` |
//! | [`stake`], [`request_unstake`] | NXS token | `SignerNonces::staking` |
//! | [`permit`] (the reward of a create, the stake of a commit) | NXS token | `SignerNonces::permit` |
//!
//! A wallet signs the create and commit intents together with a permit for the amount they escrow.
//! What it returns (65 bytes, r ‖ s ‖ v) goes into the contract's `Intent.signature` as it is, and
//! into a `PermitSignature` through [`crate::intents::permit_from_wallet`]; [`crate::relay`] then
//! builds the call. [`TypedData::signing_hash`] is the intent's digest (an idempotency key).
//! A reveal has no typed data: it is not signed (the commitment authorizes it; docs/CONTRACTS.md,
//! "Signed intents", says why), it is relayed as it is with [`crate::relay::reveal_call`].
//!
//! Numbers in `message` are decimal strings: rewards and stakes in wei exceed the 2^53 a JavaScript
//! number holds exactly, and wallets parse strings without loss. `domain.chainId` is a number, as
//! wallets compare it with the chain they are on.
//!
//! The message is built from the same `sol!` struct that [`crate::intents`] signs, field by field;
//! unit tests check the JSON's type string equals the struct's, and the anvil tests check that a
//! signature over the JSON (alloy's dynamic typed data, and anvil's own `eth_signTypedData_v4`)
//! equals the one `sign_*` makes and that the contract accepts it.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, Signature, U256};
use alloy::providers::DynProvider;
use alloy::sol_types::Eip712Domain;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::bindings::bounty::BountyContract;
use crate::bindings::token::ReputationToken;
use crate::deploy::Deployment;
use crate::error::ChainError;
use crate::intents::{
    CommitAssertion, CreateBounty, OpenDispute, Permit, RequestUnstake, Stake, bounty_domain,
    token_domain,
};

/// One member of an EIP-712 struct type: `{"name": ..., "type": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedDataField {
    /// The member's name.
    pub name: String,
    /// Its Solidity type (`address`, `uint256`, `bytes32`, ...).
    #[serde(rename = "type")]
    pub type_name: String,
}

/// The EIP-712 domain as wallets read it (every Nexus domain has these four fields).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypedDataDomain {
    /// `Nexus Bounty` (bounty contract) or `Nexus Security` (NXS token).
    pub name: String,
    /// `1` for both.
    pub version: String,
    /// The chain the signature is valid on.
    pub chain_id: u64,
    /// The contract that checks the signature (serialized checksummed, like the message's addresses).
    #[serde(serialize_with = "checksummed")]
    pub verifying_contract: Address,
}

fn checksummed<S: serde::Serializer>(value: &Address, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.to_checksum(None))
}

/// The argument of `eth_signTypedData_v4`. Serialize it (serde) to get the wallet's JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypedData {
    /// The struct types: the primary type and `EIP712Domain`.
    pub types: BTreeMap<String, Vec<TypedDataField>>,
    /// The name of the signed struct (`CreateBounty`, `Stake`, `Permit`, ...).
    pub primary_type: String,
    /// The signing domain.
    pub domain: TypedDataDomain,
    /// The values, keyed by member name: addresses checksummed, bytes32 as 0x-hex, numbers as
    /// decimal strings.
    pub message: Map<String, Value>,
}

impl TypedData {
    fn new(domain: &Eip712Domain, primary_type: &str, fields: Vec<(&str, &str, Value)>) -> Self {
        let mut types = BTreeMap::new();
        types.insert(
            "EIP712Domain".to_owned(),
            [
                ("name", "string"),
                ("version", "string"),
                ("chainId", "uint256"),
                ("verifyingContract", "address"),
            ]
            .into_iter()
            .map(|(name, type_name)| TypedDataField {
                name: name.to_owned(),
                type_name: type_name.to_owned(),
            })
            .collect(),
        );
        let mut members = Vec::with_capacity(fields.len());
        let mut message = Map::new();
        for (name, type_name, value) in fields {
            members.push(TypedDataField {
                name: name.to_owned(),
                type_name: type_name.to_owned(),
            });
            message.insert(name.to_owned(), value);
        }
        types.insert(primary_type.to_owned(), members);
        Self {
            types,
            primary_type: primary_type.to_owned(),
            domain: TypedDataDomain {
                name: domain.name.as_deref().unwrap_or_default().to_owned(),
                version: domain.version.as_deref().unwrap_or_default().to_owned(),
                chain_id: domain.chain_id.map_or(0, |id| id.saturating_to()),
                verifying_contract: domain.verifying_contract.unwrap_or_default(),
            },
            message,
        }
    }

    /// The JSON object a wallet takes.
    pub fn to_json(&self) -> Value {
        // A struct of strings, numbers and maps always serializes; Null is unreachable.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The digest a wallet signs for this object, computed the way a wallet does: from the JSON
    /// (alloy's dynamic EIP-712 encoder), not from the Rust struct it was built from.
    pub fn signing_hash(&self) -> Result<B256, ChainError> {
        let dynamic: alloy::dyn_abi::TypedData = serde_json::from_value(self.to_json())
            .map_err(|error| ChainError::InvalidTypedData(error.to_string()))?;
        dynamic
            .eip712_signing_hash()
            .map_err(|error| ChainError::InvalidTypedData(error.to_string()))
    }

    /// The account whose key made the 65-byte `signature` (r ‖ s ‖ v) over this object. For an
    /// externally owned account this is how a service checks who signed an intent before relaying
    /// it; a contract wallet (ERC-1271) has no key to recover, only the contract can check it.
    pub fn recover_signer(&self, signature: &[u8]) -> Result<Address, ChainError> {
        let signature = Signature::try_from(signature)
            .map_err(|error| ChainError::InvalidSignature(error.to_string()))?;
        signature
            .recover_address_from_prehash(&self.signing_hash()?)
            .map_err(|error| ChainError::InvalidSignature(error.to_string()))
    }
}

fn address(value: Address) -> Value {
    Value::String(value.to_checksum(None))
}

fn bytes32(value: B256) -> Value {
    Value::String(value.to_string())
}

fn number(value: impl ToString) -> Value {
    Value::String(value.to_string())
}

/// `CreateBounty`: `creator` creates `request` (relayed with `createBountyBySig`; the reward needs
/// a [`permit`] for `request.reward`).
pub fn create_bounty(
    deployment: &Deployment,
    creator: Address,
    request: &BountyContract::CreateBountyRequest,
    nonce: U256,
    deadline: U256,
) -> TypedData {
    create_bounty_of(
        &CreateBounty::for_request(creator, request, nonce, deadline),
        &bounty_domain(deployment.chain_id, deployment.bounty),
    )
}

fn create_bounty_of(intent: &CreateBounty, domain: &Eip712Domain) -> TypedData {
    TypedData::new(
        domain,
        "CreateBounty",
        vec![
            ("creator", "address", address(intent.creator)),
            ("artifactHash", "bytes32", bytes32(intent.artifactHash)),
            ("kind", "uint8", number(intent.kind)),
            ("reward", "uint128", number(intent.reward)),
            ("minStake", "uint128", number(intent.minStake)),
            (
                "assertionDeadline",
                "uint64",
                number(intent.assertionDeadline),
            ),
            ("nonce", "uint256", number(intent.nonce)),
            ("deadline", "uint256", number(intent.deadline)),
        ],
    )
}

/// `CommitAssertion`: `analyst` commits `commitment` with `stake` on `bounty_id` (relayed with
/// `commitBySig`; the stake needs a [`permit`] for `stake`). The commitment is computed on the
/// analyst's side ([`crate::commitment::commitment`]) so the salt stays there until the reveal.
pub fn commit(
    deployment: &Deployment,
    analyst: Address,
    bounty_id: U256,
    commitment: B256,
    stake: u128,
    nonce: U256,
    deadline: U256,
) -> TypedData {
    let intent = CommitAssertion {
        analyst,
        bountyId: bounty_id,
        commitment,
        stake,
        nonce,
        deadline,
    };
    commit_of(
        &intent,
        &bounty_domain(deployment.chain_id, deployment.bounty),
    )
}

fn commit_of(intent: &CommitAssertion, domain: &Eip712Domain) -> TypedData {
    TypedData::new(
        domain,
        "CommitAssertion",
        vec![
            ("analyst", "address", address(intent.analyst)),
            ("bountyId", "uint256", number(intent.bountyId)),
            ("commitment", "bytes32", bytes32(intent.commitment)),
            ("stake", "uint128", number(intent.stake)),
            ("nonce", "uint256", number(intent.nonce)),
            ("deadline", "uint256", number(intent.deadline)),
        ],
    )
}

/// `OpenDispute`: `disputant` (the creator or an analyst who revealed) disputes `bounty_id`'s result
/// (relayed with `openDisputeBySig`).
pub fn open_dispute(
    deployment: &Deployment,
    disputant: Address,
    bounty_id: U256,
    nonce: U256,
    deadline: U256,
) -> TypedData {
    let intent = OpenDispute {
        disputant,
        bountyId: bounty_id,
        nonce,
        deadline,
    };
    open_dispute_of(
        &intent,
        &bounty_domain(deployment.chain_id, deployment.bounty),
    )
}

fn open_dispute_of(intent: &OpenDispute, domain: &Eip712Domain) -> TypedData {
    TypedData::new(
        domain,
        "OpenDispute",
        vec![
            ("disputant", "address", address(intent.disputant)),
            ("bountyId", "uint256", number(intent.bountyId)),
            ("nonce", "uint256", number(intent.nonce)),
            ("deadline", "uint256", number(intent.deadline)),
        ],
    )
}

/// `Stake`: `account` locks `amount` (wei) of its own NXS as qualifying stake (relayed with the
/// token's `stakeBySig`; no permit: no token moves).
pub fn stake(
    deployment: &Deployment,
    account: Address,
    amount: U256,
    nonce: U256,
    deadline: U256,
) -> TypedData {
    let intent = Stake {
        account,
        amount,
        nonce,
        deadline,
    };
    stake_of(
        &intent,
        &token_domain(deployment.chain_id, deployment.reputation_token),
    )
}

fn stake_of(intent: &Stake, domain: &Eip712Domain) -> TypedData {
    staking(
        domain,
        "Stake",
        intent.account,
        intent.amount,
        intent.nonce,
        intent.deadline,
    )
}

/// `RequestUnstake`: `account` starts the cooldown of `amount` (wei) of its stake (relayed with the
/// token's `requestUnstakeBySig`; afterwards anyone may call `withdrawUnstakedFor`).
pub fn request_unstake(
    deployment: &Deployment,
    account: Address,
    amount: U256,
    nonce: U256,
    deadline: U256,
) -> TypedData {
    let intent = RequestUnstake {
        account,
        amount,
        nonce,
        deadline,
    };
    request_unstake_of(
        &intent,
        &token_domain(deployment.chain_id, deployment.reputation_token),
    )
}

fn request_unstake_of(intent: &RequestUnstake, domain: &Eip712Domain) -> TypedData {
    staking(
        domain,
        "RequestUnstake",
        intent.account,
        intent.amount,
        intent.nonce,
        intent.deadline,
    )
}

fn staking(
    domain: &Eip712Domain,
    primary_type: &str,
    account: Address,
    amount: U256,
    nonce: U256,
    deadline: U256,
) -> TypedData {
    TypedData::new(
        domain,
        primary_type,
        vec![
            ("account", "address", address(account)),
            ("amount", "uint256", number(amount)),
            ("nonce", "uint256", number(nonce)),
            ("deadline", "uint256", number(deadline)),
        ],
    )
}

/// EIP-2612 `Permit`: `owner` lets the bounty contract take `value` (wei) of NXS, the reward of a
/// create or the stake of a commit. `value` must equal that amount: the contract's permit is for
/// exactly what it pulls.
pub fn permit(
    deployment: &Deployment,
    owner: Address,
    value: U256,
    nonce: U256,
    deadline: U256,
) -> TypedData {
    let permit = Permit {
        owner,
        spender: deployment.bounty,
        value,
        nonce,
        deadline,
    };
    permit_of(
        &permit,
        &token_domain(deployment.chain_id, deployment.reputation_token),
    )
}

fn permit_of(permit: &Permit, domain: &Eip712Domain) -> TypedData {
    TypedData::new(
        domain,
        "Permit",
        vec![
            ("owner", "address", address(permit.owner)),
            ("spender", "address", address(permit.spender)),
            ("value", "uint256", number(permit.value)),
            ("nonce", "uint256", number(permit.nonce)),
            ("deadline", "uint256", number(permit.deadline)),
        ],
    )
}

/// An account's current nonces, one per sequence (see the table in the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerNonces {
    /// The bounty contract's `nonces(account)`: for create, commit and dispute intents.
    pub bounty: U256,
    /// The token's `intentNonces(account)`: for stake and unstake-request intents.
    pub staking: U256,
    /// The token's `nonces(account)`: for permits.
    pub permit: U256,
}

impl SignerNonces {
    /// Reads the three nonces of `account` from the chain (the latest block). A nonce only counts
    /// intents executed on chain: intents still queued at a relayer are not included.
    pub async fn read(
        provider: &DynProvider,
        deployment: &Deployment,
        account: Address,
    ) -> Result<Self, ChainError> {
        let bounty = BountyContract::new(deployment.bounty, provider);
        let token = ReputationToken::new(deployment.reputation_token, provider);
        let bounty_nonce = bounty.nonces(account);
        let staking_nonce = token.intentNonces(account);
        let permit_nonce = token.nonces(account);
        let (bounty, staking, permit) = tokio::try_join!(
            bounty_nonce.call(),
            staking_nonce.call(),
            permit_nonce.call()
        )?;
        Ok(Self {
            bounty,
            staking,
            permit,
        })
    }
}

#[cfg(test)]
#[path = "typed_data_tests.rs"]
mod tests;
