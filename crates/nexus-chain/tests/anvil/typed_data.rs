//! The wallet JSON of `nexus_chain::typed_data`, signed the way a wallet signs it, and relayed
//! through `nexus_chain::relay` to the contracts on anvil.
//!
//! For every intent (stake, create + permit, commit + permit, dispute, unstake request) three
//! signatures must be equal: anvil's own `eth_signTypedData_v4` over the JSON (a wallet), alloy's
//! dynamic typed data parsed from the JSON string, and the `sign_*` function over the `sol!` struct.
//! The wallet's signature is then the one relayed, by an account that is not the signer.

use alloy::primitives::Bytes;
use alloy::signers::SignerSync;
use nexus_chain::intents::{
    RequestUnstake, Stake, permit_from_wallet, sign_request_unstake, sign_stake,
};
use nexus_chain::relay::{self, RelayCall};
use nexus_chain::typed_data::{self, SignerNonces, TypedData};

use crate::*;

/// Private keys of anvil's dev accounts 7 and 8 (its well-known default mnemonic; public test keys
/// that hold value on no real chain). anvil signs typed data only for its own accounts.
const DEV_KEY_7: &str = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356";
const DEV_KEY_8: &str = "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97";

/// The system with a creator and an analyst whose keys are known and whose accounts anvil
/// unlocks, each given NXS; the relayer is dev account 9.
pub(crate) struct Signers {
    pub(crate) creator: PrivateKeySigner,
    pub(crate) analyst: PrivateKeySigner,
    pub(crate) relayer: Address,
}

impl Signers {
    pub(crate) async fn fund(system: &System) -> Self {
        let creator: PrivateKeySigner = DEV_KEY_7.parse().unwrap();
        let analyst: PrivateKeySigner = DEV_KEY_8.parse().unwrap();
        assert_eq!(creator.address(), system.accounts[7], "dev key 7");
        assert_eq!(analyst.address(), system.accounts[8], "dev key 8");
        for account in [creator.address(), analyst.address()] {
            send!(
                system.provider,
                system.token().mint(account, u(1_000 * NXS)),
                system.deployer()
            );
        }
        Self {
            creator,
            analyst,
            relayer: system.accounts[9],
        }
    }
}

/// anvil's `eth_signTypedData_v4` for `account`, given the JSON object: what a wallet returns.
async fn wallet_sign(provider: &DynProvider, account: Address, typed: &TypedData) -> Bytes {
    provider
        .raw_request(
            "eth_signTypedData_v4".into(),
            serde_json::json!([account, typed.to_json()]),
        )
        .await
        .unwrap()
}

/// alloy's dynamic typed data, parsed from the JSON string as a wallet receives it, then signed.
fn dynamic_sign(key: &PrivateKeySigner, typed: &TypedData) -> Bytes {
    let json = serde_json::to_string(typed).unwrap();
    let parsed: alloy::dyn_abi::TypedData = serde_json::from_str(&json).unwrap();
    let signature = key
        .sign_hash_sync(&parsed.eip712_signing_hash().unwrap())
        .unwrap();
    signature.as_bytes().to_vec().into()
}

/// Signs `typed` as a wallet and checks the three signatures agree; returns the wallet's.
pub(crate) async fn sign_like_a_wallet(
    provider: &DynProvider,
    key: &PrivateKeySigner,
    typed: &TypedData,
    from_sign_fn: &[u8],
) -> Bytes {
    let wallet = wallet_sign(provider, key.address(), typed).await;
    assert_eq!(
        wallet.as_ref(),
        from_sign_fn,
        "{}: wallet = sign_*",
        typed.primary_type
    );
    assert_eq!(
        dynamic_sign(key, typed),
        wallet,
        "{}: dynamic = wallet",
        typed.primary_type
    );
    assert_eq!(
        typed.recover_signer(&wallet).unwrap(),
        key.address(),
        "{}: recovered",
        typed.primary_type
    );
    wallet
}

/// The permit's (v, r, s) from a wallet's 65-byte signature.
pub(crate) fn permit_signature(
    signature: &[u8],
    deadline: U256,
) -> BountyContract::PermitSignature {
    permit_from_wallet(signature, deadline).unwrap()
}

/// Sends `call` from `from` (an unlocked dev account) and waits for a successful receipt.
pub(crate) async fn relay_send(provider: &DynProvider, from: Address, call: &RelayCall) {
    let pending = provider
        .send_transaction(call.transaction_request().from(from))
        .await
        .unwrap_or_else(|error| panic!("relay to {}: {error}", call.to));
    confirm(provider, pending).await.unwrap();
}

/// Whether the node refuses `call` from `from` (simulated; nothing is mined).
pub(crate) async fn refused(provider: &DynProvider, from: Address, call: &RelayCall) -> bool {
    provider
        .call(call.transaction_request().from(from))
        .await
        .is_err()
}

#[tokio::test]
async fn wallet_signatures_over_the_json_equal_sign_and_are_relayed() {
    let node = AnvilNode::start().await;
    let system = System::deploy(&node).await;
    let provider = system.provider.clone();
    let deployment = system.deployment.clone();
    let signers = Signers::fund(&system).await;
    let (creator, analyst) = (signers.creator.address(), signers.analyst.address());
    let bounty_domain = bounty_domain(deployment.chain_id, deployment.bounty);
    let token_domain = token_domain(deployment.chain_id, deployment.reputation_token);
    let deadline = U256::from(now(&provider).await + 3_600);

    // Stake: the analyst qualifies without sending a transaction.
    let nonces = SignerNonces::read(&provider, &deployment, analyst)
        .await
        .unwrap();
    assert_eq!(nonces.staking, U256::ZERO);
    let amount = u(100 * NXS);
    let typed = typed_data::stake(&deployment, analyst, amount, nonces.staking, deadline);
    let by_fn = sign_stake(
        &signers.analyst,
        &token_domain,
        &Stake {
            account: analyst,
            amount,
            nonce: nonces.staking,
            deadline,
        },
    )
    .unwrap();
    let signature = sign_like_a_wallet(&provider, &signers.analyst, &typed, &by_fn.signature).await;
    let intent = ReputationToken::Intent {
        signer: analyst,
        nonce: nonces.staking,
        deadline,
        signature,
    };
    let call = relay::stake_call(&deployment, amount, intent);
    relay_send(&provider, signers.relayer, &call).await;
    assert_eq!(
        system.token().stakedOf(analyst).call().await.unwrap(),
        amount
    );
    assert!(
        refused(&provider, signers.relayer, &call).await,
        "a relayed stake intent is used once"
    );

    // Create, with a permit for the reward.
    let nonces = SignerNonces::read(&provider, &deployment, creator)
        .await
        .unwrap();
    let request = BountyContract::CreateBountyRequest {
        artifactHash: keccak256("wallet-signed sample"),
        kind: 1,
        reward: 250 * NXS + 7,
        minStake: NXS,
        assertionDeadline: now(&provider).await + 86_400,
    };
    let typed = typed_data::create_bounty(&deployment, creator, &request, nonces.bounty, deadline);
    let by_fn = sign_create_bounty(
        &signers.creator,
        &bounty_domain,
        &CreateBounty::for_request(creator, &request, nonces.bounty, deadline),
    )
    .unwrap();
    let intent_signature =
        sign_like_a_wallet(&provider, &signers.creator, &typed, &by_fn.signature).await;
    let reward = u(request.reward);
    let typed_permit = typed_data::permit(&deployment, creator, reward, nonces.permit, deadline);
    let permit_by_fn = sign_permit(
        &signers.creator,
        &token_domain,
        &Permit {
            owner: creator,
            spender: deployment.bounty,
            value: reward,
            nonce: nonces.permit,
            deadline,
        },
    )
    .unwrap();
    let permit_wallet = wallet_sign(&provider, creator, &typed_permit).await;
    let permit_wallet_vrs = permit_signature(&permit_wallet, deadline);
    assert_eq!(
        (
            permit_wallet_vrs.v,
            permit_wallet_vrs.r,
            permit_wallet_vrs.s
        ),
        (permit_by_fn.v, permit_by_fn.r, permit_by_fn.s),
        "permit: wallet = sign_permit"
    );
    assert_eq!(
        typed_permit.recover_signer(&permit_wallet).unwrap(),
        creator
    );
    let intent = BountyContract::Intent {
        signer: creator,
        nonce: nonces.bounty,
        deadline,
        signature: intent_signature,
    };
    let call = relay::create_bounty_call(
        &deployment,
        request.clone(),
        intent,
        permit_signature(&permit_wallet, deadline),
    );
    relay_send(&provider, signers.relayer, &call).await;
    let bounty_id = U256::from(1);
    let record = system.bounty().getBounty(bounty_id).call().await.unwrap();
    assert_eq!(record.terms.creator, creator, "created for the signer");
    assert_eq!(record.terms.reward, request.reward);
    assert_eq!(
        system.balance(creator).await,
        u(1_000 * NXS - request.reward)
    );

    // Commit, with a permit for the stake.
    let nonces = SignerNonces::read(&provider, &deployment, analyst)
        .await
        .unwrap();
    assert_eq!(nonces.staking, U256::from(1), "after the stake");
    let sealed = SealedAssertion {
        verdict: VerdictCode::Benign,
        confidence: 77,
        metadata_hash: keccak256("wallet report"),
        salt: keccak256("wallet salt"),
    };
    let hash = commitment(bounty_id, analyst, &sealed);
    let stake = 3 * NXS;
    let typed = typed_data::commit(
        &deployment,
        analyst,
        bounty_id,
        hash,
        stake,
        nonces.bounty,
        deadline,
    );
    let by_fn = sign_commit(
        &signers.analyst,
        &bounty_domain,
        &CommitAssertion {
            analyst,
            bountyId: bounty_id,
            commitment: hash,
            stake,
            nonce: nonces.bounty,
            deadline,
        },
    )
    .unwrap();
    let intent_signature =
        sign_like_a_wallet(&provider, &signers.analyst, &typed, &by_fn.signature).await;
    let typed_permit = typed_data::permit(&deployment, analyst, u(stake), nonces.permit, deadline);
    let permit_wallet = wallet_sign(&provider, analyst, &typed_permit).await;
    let intent = BountyContract::Intent {
        signer: analyst,
        nonce: nonces.bounty,
        deadline,
        signature: intent_signature,
    };
    let call = relay::commit_call(
        &deployment,
        bounty_id,
        hash,
        stake,
        intent,
        permit_signature(&permit_wallet, deadline),
    );
    relay_send(&provider, signers.relayer, &call).await;
    let assertion = system
        .bounty()
        .getAssertion(bounty_id, analyst)
        .call()
        .await
        .unwrap();
    assert_eq!((assertion.commitment, assertion.stake), (hash, stake));

    // Reveal (not signed) and resolve, relayed; then the creator's dispute, signed in a wallet.
    advance_to(&provider, record.terms.assertionDeadline + 1).await;
    relay_send(
        &provider,
        signers.relayer,
        &relay::reveal_call(&deployment, bounty_id, analyst, &sealed),
    )
    .await;
    advance_to(&provider, record.terms.revealDeadline + 1).await;
    relay_send(
        &provider,
        signers.relayer,
        &relay::resolve_call(&deployment, bounty_id),
    )
    .await;
    let nonces = SignerNonces::read(&provider, &deployment, creator)
        .await
        .unwrap();
    assert_eq!(nonces.bounty, U256::from(1), "after the create");
    let deadline = U256::from(now(&provider).await + 3_600);
    let typed = typed_data::open_dispute(&deployment, creator, bounty_id, nonces.bounty, deadline);
    let by_fn = sign_open_dispute(
        &signers.creator,
        &bounty_domain,
        &OpenDispute {
            disputant: creator,
            bountyId: bounty_id,
            nonce: nonces.bounty,
            deadline,
        },
    )
    .unwrap();
    let signature = sign_like_a_wallet(&provider, &signers.creator, &typed, &by_fn.signature).await;
    let intent = BountyContract::Intent {
        signer: creator,
        nonce: nonces.bounty,
        deadline,
        signature,
    };
    relay_send(
        &provider,
        signers.relayer,
        &relay::open_dispute_call(&deployment, bounty_id, intent),
    )
    .await;
    let record = system.bounty().getBounty(bounty_id).call().await.unwrap();
    assert_eq!(
        record.state.status, 3,
        "disputed by the creator's wallet signature"
    );

    // Unstake request, signed in a wallet.
    let nonces = SignerNonces::read(&provider, &deployment, analyst)
        .await
        .unwrap();
    let amount = u(40 * NXS);
    let typed = typed_data::request_unstake(&deployment, analyst, amount, nonces.staking, deadline);
    let by_fn = sign_request_unstake(
        &signers.analyst,
        &token_domain,
        &RequestUnstake {
            account: analyst,
            amount,
            nonce: nonces.staking,
            deadline,
        },
    )
    .unwrap();
    let signature = sign_like_a_wallet(&provider, &signers.analyst, &typed, &by_fn.signature).await;
    let intent = ReputationToken::Intent {
        signer: analyst,
        nonce: nonces.staking,
        deadline,
        signature,
    };
    relay_send(
        &provider,
        signers.relayer,
        &relay::request_unstake_call(&deployment, amount, intent),
    )
    .await;
    let info = system.token().stakeInfo(analyst).call().await.unwrap();
    assert_eq!((info.staked, info.unstaking), (60 * NXS, 40 * NXS));
}

/// Typed data for another chain, another contract or another signer is signed without complaint
/// by a wallet, and refused by the contract.
#[tokio::test]
async fn typed_data_for_another_chain_contract_or_signer_is_refused() {
    let node = AnvilNode::start().await;
    let system = System::deploy(&node).await;
    let provider = system.provider.clone();
    let deployment = system.deployment.clone();
    let signers = Signers::fund(&system).await;
    let analyst = signers.analyst.address();
    let deadline = U256::from(now(&provider).await + 3_600);
    let amount = u(100 * NXS);

    let mut other_chain = deployment.clone();
    other_chain.chain_id += 1;
    let mut other_contract = deployment.clone();
    other_contract.reputation_token = deployment.bounty;
    for (what, signed_for, key) in [
        ("another chain", &other_chain, &signers.analyst),
        ("another contract", &other_contract, &signers.analyst),
        ("another signer", &deployment, &signers.creator),
    ] {
        let typed = typed_data::stake(signed_for, analyst, amount, U256::ZERO, deadline);
        let signature = dynamic_sign(key, &typed);
        let intent = ReputationToken::Intent {
            signer: analyst,
            nonce: U256::ZERO,
            deadline,
            signature,
        };
        assert!(
            refused(
                &provider,
                signers.relayer,
                &relay::stake_call(&deployment, amount, intent)
            )
            .await,
            "{what}"
        );
    }
    assert_eq!(
        system.token().stakedOf(analyst).call().await.unwrap(),
        U256::ZERO
    );
}
