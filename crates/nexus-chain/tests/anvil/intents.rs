//! EIP-712 intents signed in Rust and relayed for users without ETH.

use nexus_chain::intents::{Stake, sign_stake};

use crate::*;

/// Users without ETH sign intents and permits in Rust; a relayer submits them (the analyst's stake,
/// the creator's bounty, the analyst's commit, the creator's dispute); the contract accepts them,
/// acts for the signer, and rejects a replay.
#[tokio::test]
async fn relayed_intents_signed_in_rust_are_accepted() {
    let node = AnvilNode::start().await;
    let system = System::deploy(&node).await;
    let provider = system.provider.clone();
    let token = system.token();
    let bounty = system.bounty();
    let relayer = system.accounts[9];
    let chain_id = system.deployment.chain_id;
    let bounty_domain = bounty_domain(chain_id, system.deployment.bounty);
    let token_domain = token_domain(chain_id, system.deployment.reputation_token);

    let creator_key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x42)).unwrap();
    let analyst_key = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x43)).unwrap();
    let (creator, analyst) = (creator_key.address(), analyst_key.address());
    for user in [creator, analyst] {
        assert_eq!(
            provider.get_balance(user).await.unwrap(),
            U256::ZERO,
            "users have no ETH"
        );
    }
    send!(
        provider,
        token.mint(creator, u(1_000 * NXS)),
        system.deployer()
    );
    send!(
        provider,
        token.mint(analyst, u(1_000 * NXS)),
        system.deployer()
    );
    // The analyst qualifies with a signed stake intent: no ETH, no transaction of its own.
    let stake_deadline = U256::from(now(&provider).await + 3_600);
    let stake_intent = sign_stake(
        &analyst_key,
        &token_domain,
        &Stake {
            account: analyst,
            amount: u(100 * NXS),
            nonce: U256::ZERO,
            deadline: stake_deadline,
        },
    )
    .unwrap();
    send!(
        provider,
        token.stakeBySig(u(100 * NXS), stake_intent),
        relayer
    );
    assert_eq!(
        token.stakedOf(analyst).call().await.unwrap(),
        u(100 * NXS),
        "staked for the signer"
    );

    let deadline = U256::from(now(&provider).await + 3_600);
    let request = BountyContract::CreateBountyRequest {
        artifactHash: keccak256("relayed sample"),
        kind: 0,
        reward: 250 * NXS,
        minStake: NXS,
        assertionDeadline: now(&provider).await + 86_400,
    };
    let intent = sign_create_bounty(
        &creator_key,
        &bounty_domain,
        &CreateBounty::for_request(creator, &request, U256::ZERO, deadline),
    )
    .unwrap();
    let permit = sign_permit(
        &creator_key,
        &token_domain,
        &Permit {
            owner: creator,
            spender: system.deployment.bounty,
            value: u(250 * NXS),
            nonce: U256::ZERO,
            deadline,
        },
    )
    .unwrap();
    send!(
        provider,
        bounty.createBountyBySig(request.clone(), intent.clone(), permit),
        relayer
    );
    let bounty_id = U256::from(1);
    let record = bounty.getBounty(bounty_id).call().await.unwrap();
    assert_eq!(record.terms.creator, creator, "the signer is the creator");
    assert_eq!(
        system.balance(creator).await,
        u(750 * NXS),
        "reward taken from the signer"
    );
    assert_eq!(
        provider.get_balance(creator).await.unwrap(),
        U256::ZERO,
        "and no ETH spent"
    );

    // Replaying the same intent fails (the nonce is used).
    let replay = bounty
        .createBountyBySig(request, intent, no_permit())
        .from(relayer)
        .call()
        .await;
    assert!(replay.is_err(), "a replayed intent must be rejected");

    // A relayed commit with a permit for the stake.
    let sealed = SealedAssertion {
        verdict: VerdictCode::Malicious,
        confidence: 90,
        metadata_hash: keccak256("analysis report"),
        salt: keccak256("secret salt"),
    };
    let hash = commitment(bounty_id, analyst, &sealed);
    let commit_payload = CommitAssertion {
        analyst,
        bountyId: bounty_id,
        commitment: hash,
        stake: 5 * NXS,
        nonce: U256::ZERO,
        deadline,
    };
    let commit_intent = sign_commit(&analyst_key, &bounty_domain, &commit_payload).unwrap();
    let stake_permit = sign_permit(
        &analyst_key,
        &token_domain,
        &Permit {
            owner: analyst,
            spender: system.deployment.bounty,
            value: u(5 * NXS),
            nonce: U256::ZERO,
            deadline,
        },
    )
    .unwrap();
    send!(
        provider,
        bounty.commitBySig(bounty_id, hash, 5 * NXS, commit_intent, stake_permit),
        relayer
    );
    let assertion = bounty
        .getAssertion(bounty_id, analyst)
        .call()
        .await
        .unwrap();
    assert_eq!(assertion.commitment, hash, "committed for the analyst");

    // A relayed dispute after resolution.
    let record = bounty.getBounty(bounty_id).call().await.unwrap();
    advance_to(&provider, record.terms.assertionDeadline + 1).await;
    send!(
        provider,
        bounty.reveal(
            bounty_id,
            analyst,
            sealed.verdict as u8,
            sealed.confidence,
            sealed.metadata_hash,
            sealed.salt
        ),
        relayer
    );
    advance_to(&provider, record.terms.revealDeadline + 1).await;
    send!(provider, bounty.resolve(bounty_id), relayer);
    let dispute_deadline = U256::from(now(&provider).await + 3_600);
    let dispute_payload = OpenDispute {
        disputant: creator,
        bountyId: bounty_id,
        nonce: U256::from(1),
        deadline: dispute_deadline,
    };
    let dispute = sign_open_dispute(&creator_key, &bounty_domain, &dispute_payload).unwrap();
    send!(
        provider,
        bounty.openDisputeBySig(bounty_id, dispute),
        relayer
    );
    let record = bounty.getBounty(bounty_id).call().await.unwrap();
    assert_eq!(
        record.state.status, 3,
        "disputed by the creator's signed intent"
    );
    for user in [creator, analyst] {
        assert_eq!(
            provider.get_balance(user).await.unwrap(),
            U256::ZERO,
            "nobody but the relayer paid gas"
        );
    }
}
