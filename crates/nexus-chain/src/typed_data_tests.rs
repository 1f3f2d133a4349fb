//! The wallet JSON against the `sol!` structs the contracts' type hashes were checked with: same
//! type string, same digest, a domain a wallet hashes to the same separator, numbers that survive
//! JavaScript, and the signer recovered from a signature.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use alloy::dyn_abi::eip712::Resolver;
use alloy::primitives::keccak256;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolStruct;

use super::*;
use crate::deploy::NXS;
use crate::intents::{permit_from_wallet, sign_create_bounty, sign_stake};

fn deployment() -> Deployment {
    Deployment {
        chain_id: 31_337,
        deployer: Address::repeat_byte(0xd0),
        block_number: 1,
        reputation_token: Address::repeat_byte(0x70),
        timelock: Address::repeat_byte(0x71),
        governance: Address::repeat_byte(0x72),
        bounty: Address::repeat_byte(0xb0),
    }
}

fn request() -> BountyContract::CreateBountyRequest {
    BountyContract::CreateBountyRequest {
        artifactHash: keccak256("sample"),
        kind: 2,
        // More than 2^53: a JavaScript number would round it.
        reward: 250 * NXS + 1,
        minStake: NXS,
        assertionDeadline: 1_800_000_000,
    }
}

/// The JSON as a wallet parses it (alloy's dynamic typed data, from the serialized string).
fn parsed(typed: &TypedData) -> alloy::dyn_abi::TypedData {
    serde_json::from_str(&serde_json::to_string(typed).unwrap()).unwrap()
}

/// Same type string as the struct (hence the contract's type hash) and the same digest.
fn assert_matches<S: SolStruct>(typed: &TypedData, payload: &S, domain: &Eip712Domain) {
    let dynamic = parsed(typed);
    assert_eq!(dynamic.encode_type().unwrap(), S::eip712_encode_type());
    assert_eq!(dynamic.primary_type, S::NAME);
    assert_eq!(
        typed.signing_hash().unwrap(),
        payload.eip712_signing_hash(domain),
        "{} digest",
        S::NAME
    );
    assert_domain_hashes_like_a_wallet(typed, domain);
}

/// A wallet hashes the domain from `types.EIP712Domain` (alloy's signer uses the domain object
/// alone), so check those declared types produce the contract's domain separator.
fn assert_domain_hashes_like_a_wallet(typed: &TypedData, domain: &Eip712Domain) {
    let json = typed.to_json();
    let resolver: Resolver = serde_json::from_value(json["types"].clone()).unwrap();
    let value = resolver
        .resolve("EIP712Domain")
        .unwrap()
        .coerce_json(&json["domain"])
        .unwrap();
    let mut preimage = resolver.type_hash("EIP712Domain").unwrap().to_vec();
    preimage.extend(resolver.encode_data(&value).unwrap().unwrap());
    assert_eq!(keccak256(preimage), domain.separator());
}

#[test]
fn every_builder_matches_its_struct_and_domain() {
    let deployment = deployment();
    let bounty = bounty_domain(deployment.chain_id, deployment.bounty);
    let token = token_domain(deployment.chain_id, deployment.reputation_token);
    let account = Address::repeat_byte(0x42);
    let (nonce, deadline) = (U256::from(7), U256::from(1_900_000_000u64));

    let create = CreateBounty::for_request(account, &request(), nonce, deadline);
    assert_matches(
        &create_bounty(&deployment, account, &request(), nonce, deadline),
        &create,
        &bounty,
    );
    let commitment = keccak256("commitment");
    let committed = CommitAssertion {
        analyst: account,
        bountyId: U256::from(3),
        commitment,
        stake: 5 * NXS,
        nonce,
        deadline,
    };
    assert_matches(
        &commit(
            &deployment,
            account,
            U256::from(3),
            commitment,
            5 * NXS,
            nonce,
            deadline,
        ),
        &committed,
        &bounty,
    );
    let dispute = OpenDispute {
        disputant: account,
        bountyId: U256::from(3),
        nonce,
        deadline,
    };
    assert_matches(
        &open_dispute(&deployment, account, U256::from(3), nonce, deadline),
        &dispute,
        &bounty,
    );
    let amount = U256::from(100 * NXS);
    let staked = Stake {
        account,
        amount,
        nonce,
        deadline,
    };
    assert_matches(
        &stake(&deployment, account, amount, nonce, deadline),
        &staked,
        &token,
    );
    let unstake = RequestUnstake {
        account,
        amount,
        nonce,
        deadline,
    };
    assert_matches(
        &request_unstake(&deployment, account, amount, nonce, deadline),
        &unstake,
        &token,
    );
    let permitted = Permit {
        owner: account,
        spender: deployment.bounty,
        value: amount,
        nonce,
        deadline,
    };
    assert_matches(
        &permit(&deployment, account, amount, nonce, deadline),
        &permitted,
        &token,
    );
}

#[test]
fn the_json_is_what_a_wallet_takes() {
    let typed = create_bounty(
        &deployment(),
        Address::repeat_byte(0x42),
        &request(),
        U256::ZERO,
        U256::from(1_900_000_000u64),
    );
    let json = typed.to_json();
    assert_eq!(json["primaryType"], "CreateBounty");
    assert_eq!(json["domain"]["name"], "Nexus Bounty");
    assert_eq!(json["domain"]["version"], "1");
    assert_eq!(json["domain"]["chainId"], 31_337, "a number");
    assert_eq!(
        json["domain"]["verifyingContract"],
        deployment().bounty.to_checksum(None)
    );
    assert_eq!(
        json["types"]["EIP712Domain"][2],
        serde_json::json!({"name": "chainId", "type": "uint256"})
    );
    assert_eq!(
        json["message"]["reward"], "250000000000000000001",
        "wei as a decimal string, exact"
    );
    assert_eq!(json["message"]["kind"], "2");
    assert_eq!(
        json["message"]["creator"],
        "0x4242424242424242424242424242424242424242"
    );
    let back: TypedData = serde_json::from_value(json).unwrap();
    assert_eq!(back, typed, "round trip");

    // Typed data from elsewhere (a client) with a value that does not fit its type: an error.
    let mut broken = typed;
    broken.message.insert("kind".to_owned(), "256".into());
    assert_eq!(
        broken.signing_hash().unwrap_err().code(),
        "chain_invalid_typed_data"
    );
}

#[test]
fn the_signer_is_recovered_and_a_bad_signature_is_an_error() {
    let key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap();
    let deployment = deployment();
    let (nonce, deadline) = (U256::from(1), U256::from(1_900_000_000u64));
    let typed = create_bounty(&deployment, key.address(), &request(), nonce, deadline);
    let intent = sign_create_bounty(
        &key,
        &bounty_domain(deployment.chain_id, deployment.bounty),
        &CreateBounty::for_request(key.address(), &request(), nonce, deadline),
    )
    .unwrap();
    assert_eq!(
        typed.recover_signer(&intent.signature).unwrap(),
        key.address()
    );

    // A signature over other values (a stake) recovers some other address, never the key's.
    let other = sign_stake(
        &key,
        &token_domain(deployment.chain_id, deployment.reputation_token),
        &Stake {
            account: key.address(),
            amount: U256::from(1),
            nonce,
            deadline,
        },
    )
    .unwrap();
    assert_ne!(
        typed.recover_signer(&other.signature).ok(),
        Some(key.address())
    );
    for malformed in [&b""[..], &[0u8; 64], &[0xffu8; 65]] {
        let error = typed.recover_signer(malformed).unwrap_err();
        assert_eq!(
            error.code(),
            "chain_invalid_signature",
            "{} bytes",
            malformed.len()
        );
    }
    assert_eq!(
        permit_from_wallet(&[0u8; 3], deadline).unwrap_err().code(),
        "chain_invalid_signature"
    );
    let permit = permit_from_wallet(&intent.signature, deadline).unwrap();
    assert!(permit.v == 27 || permit.v == 28, "v as ecrecover takes it");
}
