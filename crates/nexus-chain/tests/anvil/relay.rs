//! The calls anyone may relay (`nexus_chain::relay`): reveal, resolve, slash, claim, treasury,
//! refund and the unstake withdrawal, sent by a relayer that is no party to the bounty, paying
//! only the named accounts. (The signed intents are relayed in `typed_data.rs`.)

use nexus_chain::relay::{self, RelayCall};

use crate::typed_data::{refused, relay_send};
use crate::*;

#[tokio::test]
async fn open_relay_calls_pay_and_slash_only_the_named_accounts() {
    let node = AnvilNode::start().await;
    let system = System::deploy(&node).await;
    let provider = system.provider.clone();
    let deployment = system.deployment.clone();
    let (token, bounty) = (system.token(), system.bounty());
    let (revealer, silent, creator) = (system.accounts[1], system.accounts[2], system.accounts[3]);
    let relayer = system.accounts[9];
    for account in [revealer, silent, creator] {
        send!(
            provider,
            token.mint(account, u(1_000 * NXS)),
            system.deployer()
        );
        send!(
            provider,
            token.approve(deployment.bounty, U256::MAX),
            account
        );
    }
    for analyst in [revealer, silent] {
        send!(provider, token.stake(u(100 * NXS)), analyst);
    }

    // Bounty 1: one analyst reveals, one never does. Bounty 2: nobody commits.
    let request = BountyContract::CreateBountyRequest {
        artifactHash: keccak256("relayed calls"),
        kind: 0,
        reward: 100 * NXS,
        minStake: NXS,
        assertionDeadline: now(&provider).await + 86_400,
    };
    for _ in 0..2 {
        send!(
            provider,
            bounty.createBounty(request.clone(), relay::no_permit()),
            creator
        );
    }
    let (first, second) = (U256::from(1), U256::from(2));
    let sealed = SealedAssertion {
        verdict: VerdictCode::Malicious,
        confidence: 60,
        metadata_hash: keccak256("report"),
        salt: keccak256("salt"),
    };
    for (analyst, stake) in [(revealer, 10 * NXS), (silent, 20 * NXS)] {
        let hash = commitment(first, analyst, &sealed);
        send!(
            provider,
            bounty.commit(first, hash, stake, relay::no_permit()),
            analyst
        );
    }

    let terms = bounty.getBounty(first).call().await.unwrap().terms;
    advance_to(&provider, terms.assertionDeadline + 1).await;
    let forged = SealedAssertion {
        verdict: VerdictCode::Benign,
        ..sealed
    };
    assert!(
        refused(
            &provider,
            relayer,
            &relay::reveal_call(&deployment, first, revealer, &forged)
        )
        .await,
        "a reveal that does not match the commitment"
    );
    relay_send(
        &provider,
        relayer,
        &relay::reveal_call(&deployment, first, revealer, &sealed),
    )
    .await;
    advance_to(&provider, terms.revealDeadline + 1).await;
    for id in [first, second] {
        relay_send(&provider, relayer, &relay::resolve_call(&deployment, id)).await;
    }

    // Slashing the analyst who never revealed: from its qualifying stake, to the treasury.
    let treasury_before = system.balance(system.treasury).await;
    relay_send(
        &provider,
        relayer,
        &relay::slash_unrevealed_call(&deployment, first, silent),
    )
    .await;
    assert_eq!(token.stakedOf(silent).call().await.unwrap(), u(90 * NXS));
    assert_eq!(
        system.balance(system.treasury).await - treasury_before,
        u(10 * NXS)
    );
    assert!(
        refused(
            &provider,
            relayer,
            &relay::slash_unrevealed_call(&deployment, first, revealer)
        )
        .await,
        "an analyst who revealed is not slashed"
    );

    // Payouts once final: each to the named account, never to the relayer.
    let claim = relay::claim_call(&deployment, first, revealer);
    assert!(
        refused(&provider, relayer, &claim).await,
        "not final during the dispute window"
    );
    // Past both dispute windows: the second bounty was resolved a block later, so its window
    // can end a second after the first's (the refund below was once refused for that).
    let mut disputed_until = 0;
    for id in [first, second] {
        let deadline = bounty
            .getBounty(id)
            .call()
            .await
            .unwrap()
            .state
            .disputeDeadline;
        disputed_until = disputed_until.max(deadline);
    }
    advance_to(&provider, disputed_until + 1).await;
    let due = bounty.claimable(first, revealer).call().await.unwrap();
    // pool = reward + the silent analyst's stake = 120 NXS; fee 2.5 % = 3 NXS.
    assert_eq!(due, u(10 * NXS + 117 * NXS));
    let before = system.balance(revealer).await;
    relay_send(&provider, relayer, &claim).await;
    assert_eq!(system.balance(revealer).await - before, due);
    assert!(refused(&provider, relayer, &claim).await, "claimed once");

    let treasury_before = system.balance(system.treasury).await;
    relay_send(
        &provider,
        relayer,
        &relay::pay_treasury_call(&deployment, first),
    )
    .await;
    assert_eq!(
        system.balance(system.treasury).await - treasury_before,
        u(3 * NXS)
    );

    assert!(
        refused(
            &provider,
            relayer,
            &relay::refund_creator_call(&deployment, first)
        )
        .await,
        "a valid bounty refunds nothing"
    );
    let before = system.balance(creator).await;
    relay_send(
        &provider,
        relayer,
        &relay::refund_creator_call(&deployment, second),
    )
    .await;
    assert_eq!(system.balance(creator).await - before, u(100 * NXS));
    assert_eq!(
        system.balance(relayer).await,
        U256::ZERO,
        "the relayer is paid nothing"
    );

    // Releasing a cooled-down unstake for its account.
    send!(provider, token.requestUnstake(u(50 * NXS)), silent);
    let withdraw = relay::withdraw_unstaked_call(&deployment, silent);
    assert!(
        refused(&provider, relayer, &withdraw).await,
        "not before the cooldown"
    );
    let unlock = token.stakeInfo(silent).call().await.unwrap().unlockTime;
    advance_to(&provider, unlock).await;
    relay_send(&provider, relayer, &withdraw).await;
    assert_eq!(
        token.lockedBalanceOf(silent).call().await.unwrap(),
        u(40 * NXS)
    );
}

#[test]
fn the_key_names_one_call() {
    let deployment = Deployment {
        chain_id: 31_337,
        deployer: Address::repeat_byte(1),
        block_number: 0,
        reputation_token: Address::repeat_byte(2),
        timelock: Address::repeat_byte(3),
        governance: Address::repeat_byte(4),
        bounty: Address::repeat_byte(5),
    };
    let claim =
        |analyst: u8| relay::claim_call(&deployment, U256::from(1), Address::repeat_byte(analyst));
    assert_eq!(claim(7).key(), claim(7).key());
    assert_ne!(claim(7).key(), claim(8).key());
    let mut elsewhere: RelayCall = claim(7);
    elsewhere.to = deployment.reputation_token;
    assert_ne!(
        elsewhere.key(),
        claim(7).key(),
        "the address is part of the key"
    );
    assert_eq!(claim(7).into_parts().0, deployment.bounty);
}
