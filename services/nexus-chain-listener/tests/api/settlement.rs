//! A bounty's whole life on a real chain, as the listener publishes it: the settlement it puts in
//! `BountyResolved` (computed from stored terms and assertions with `nexus_core::settlement`)
//! equals what the contract pays each analyst to the wei, and the no-reveal slash names its
//! bounty.

use std::time::Duration;

use alloy::primitives::{B256, U256};
use nexus_chain::commitment::{SealedAssertion, VerdictCode};
use nexus_chain::deploy::{NXS, confirm};
use nexus_chain_listener::domain::decode::address_hex;
use serde_json::Value;

use crate::chain::{commit, open_bounty, private_chain, stake};
use crate::helpers::{TestApp, eventually, settings_for};

fn sealed(verdict: VerdictCode, salt: u8) -> SealedAssertion {
    SealedAssertion {
        verdict,
        confidence: 90,
        metadata_hash: B256::repeat_byte(0x11),
        salt: B256::repeat_byte(salt),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_published_settlement_equals_the_contracts_payouts_and_the_slash_names_its_bounty() {
    let chain = private_chain().await;
    let app = TestApp::on_chain(settings_for(&chain, 0, 64)).await;
    let (_, bounty_id) = open_bounty(&chain).await;
    // Three analysts qualify (100 NXS staked each) and commit: right, wrong, silent.
    let mut analysts = Vec::new();
    for (verdict, salt, nxs) in [
        (VerdictCode::Malicious, 1, 40),
        (VerdictCode::Benign, 2, 15),
        (VerdictCode::Malicious, 3, 25),
    ] {
        let (analyst, _) = stake(&chain, 100).await;
        let assertion = sealed(verdict, salt);
        commit(&chain, &analyst, bounty_id, &assertion, nxs).await;
        analysts.push((analyst, assertion));
    }
    let bounty = chain.bounty();
    let terms = bounty.getBounty(bounty_id).call().await.unwrap().terms;
    chain
        .advance(Duration::from_secs(
            terms.assertionDeadline - chain.now().await.unwrap() + 1,
        ))
        .await
        .unwrap();
    for (analyst, assertion) in &analysts[..2] {
        let pending = bounty
            .reveal(
                bounty_id,
                analyst.address,
                assertion.verdict as u8,
                assertion.confidence,
                assertion.metadata_hash,
                assertion.salt,
            )
            .from(chain.deployer())
            .send()
            .await
            .unwrap();
        confirm(chain.provider(), pending).await.unwrap();
    }
    chain
        .advance(Duration::from_secs(
            terms.revealDeadline - chain.now().await.unwrap() + 1,
        ))
        .await
        .unwrap();
    let pending = bounty
        .resolve(bounty_id)
        .from(chain.deployer())
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();
    let silent = analysts[2].0.address;
    let pending = bounty
        .slashUnrevealed(bounty_id, silent)
        .from(chain.deployer())
        .send()
        .await
        .unwrap();
    confirm(chain.provider(), pending).await.unwrap();

    let resolved: Value = eventually("BountyResolved", Duration::from_secs(60), || async {
        let events = app.events().await;
        events
            .iter()
            .find(|(_, name, _)| name == "BountyResolved")
            .map(|(_, _, payload)| payload.clone())
    })
    .await;
    assert_eq!(resolved["outcome"], "malicious");
    let settlement = &resolved["settlement"];
    let published = settlement["analysts"].as_array().unwrap();
    assert_eq!(published.len(), 3);

    // Past the dispute window the contract pays: its claimable amount is the published payout.
    chain
        .advance(Duration::from_secs(2 * 86_400))
        .await
        .unwrap();
    for ((analyst, _), expected) in analysts.iter().zip(published) {
        assert_eq!(expected["analyst"], address_hex(analyst.address));
        let claimable = bounty
            .claimable(bounty_id, analyst.address)
            .call()
            .await
            .unwrap();
        assert_eq!(expected["payout"], claimable.to_string(), "{expected}");
    }
    assert_eq!(published[0]["outcome"], "won");
    assert_eq!(published[1]["outcome"], "lost");
    assert_eq!(published[2]["outcome"], "unrevealed");
    assert_eq!(published[2]["slash"], (10 * NXS).to_string());
    assert_ne!(published[0]["payout"], U256::from(40 * NXS).to_string());

    let slashed: Value = eventually("Slashed", Duration::from_secs(60), || async {
        let events = app.events().await;
        events
            .iter()
            .find(|(_, name, _)| name == "Slashed")
            .map(|(_, _, payload)| payload.clone())
    })
    .await;
    assert_eq!(slashed["account"], address_hex(silent));
    assert_eq!(slashed["bounty_id"], bounty_id.to::<u64>());
    assert_eq!(slashed["amount"], (10 * NXS).to_string());
    app.stop().await;
}
