//! Deployment: the deployments file, the deploy binary and the commitment scheme.

use crate::*;

#[tokio::test]
async fn deploy_writes_the_deployments_file_and_commitments_match_the_contract() {
    let node = AnvilNode::start().await;
    let system = System::deploy(&node).await;

    let path = std::env::temp_dir().join(format!("nexus-deployments-{}.json", std::process::id()));
    system.deployment.write(&path).unwrap();
    assert_eq!(Deployment::read(&path).unwrap(), system.deployment);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(system.deployment.chain_id, 31_337);

    // Wiring: the bounty contract slashes, the timelock administers, the arbiter arbitrates.
    let token = system.token();
    let bounty = system.bounty();
    let slasher = keccak256("SLASHER_ROLE");
    assert!(
        token
            .hasRole(slasher, system.deployment.bounty)
            .call()
            .await
            .unwrap()
    );
    let admin = B256::ZERO;
    assert!(
        bounty
            .hasRole(admin, system.deployment.timelock)
            .call()
            .await
            .unwrap()
    );
    let arbiter_role = keccak256("ARBITER_ROLE");
    assert!(
        bounty
            .hasRole(arbiter_role, system.arbiter())
            .call()
            .await
            .unwrap()
    );
    assert_eq!(
        bounty.params().call().await.unwrap().treasury,
        system.treasury
    );

    // The Rust commitment is the contract's, for both verdicts and arbitrary fields.
    let mut rng = Rng(7);
    for round in 0..8 {
        let assertion = SealedAssertion {
            verdict: if round % 2 == 0 {
                VerdictCode::Benign
            } else {
                VerdictCode::Malicious
            },
            confidence: (rng.below(101)) as u8,
            metadata_hash: B256::from(U256::from(rng.next()) << 128),
            salt: B256::from(U256::from(rng.next())),
        };
        let bounty_id = U256::from(rng.next());
        let analyst = system.analysts()[round % 8];
        let on_chain = bounty
            .commitmentOf(
                bounty_id,
                analyst,
                assertion.verdict as u8,
                assertion.confidence,
                assertion.metadata_hash,
                assertion.salt,
            )
            .call()
            .await
            .unwrap();
        assert_eq!(commitment(bounty_id, analyst, &assertion), on_chain);
    }
}

/// The `nexus-chain deploy` binary deploys to the RPC it is given and writes a deployments file
/// whose addresses hold code; a missing key or URL is refused.
#[tokio::test]
async fn deploy_binary_writes_a_deployments_file() {
    let node = AnvilNode::start().await;
    let out = std::env::temp_dir().join(format!("nexus-deploy-bin-{}.json", std::process::id()));
    // anvil's first default dev key (public, documented by Foundry; only valid on dev chains).
    let dev_key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    let binary = env!("CARGO_BIN_EXE_nexus-chain");
    let status = Command::new(binary)
        .args(["deploy", "--rpc-url", &node.url, "--out"])
        .arg(&out)
        .env("NEXUS_DEPLOYER_PRIVATE_KEY", dev_key)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "deploy failed: {status}");
    let deployment = Deployment::read(&out).unwrap();
    std::fs::remove_file(&out).unwrap();
    let provider = nexus_chain::connect(&node.url, None).unwrap();
    for address in [
        deployment.reputation_token,
        deployment.timelock,
        deployment.governance,
        deployment.bounty,
    ] {
        assert!(
            !provider.get_code_at(address).await.unwrap().is_empty(),
            "no code at {address}"
        );
    }
    assert_eq!(deployment.chain_id, 31_337);

    let without_key = Command::new(binary)
        .args(["deploy", "--rpc-url", &node.url])
        .env_remove("NEXUS_DEPLOYER_PRIVATE_KEY")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!without_key.success(), "a deploy without a key must fail");
    let without_url = Command::new(binary)
        .arg("deploy")
        .env("NEXUS_DEPLOYER_PRIVATE_KEY", dev_key)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(
        !without_url.success(),
        "a deploy without --rpc-url must fail"
    );
}
