//! What the action tests share: signing typed data as a wallet does, a bounty opened on chain
//! through the relayer, the chain listener's events published by hand, polling with a deadline.

use std::future::Future;
use std::time::Duration;

use alloy::primitives::{Address, U256, keccak256};
use alloy::signers::SignerSync;
use chrono::DateTime;
use nexus_bounty::store::{CreateCall, NewBounty, Store};
use nexus_bus::{Bus, BusSettings};
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::commitment::{SealedAssertion, VerdictCode, commitment};
use nexus_chain::intents::{CreateBounty, Permit, bounty_domain, sign_create_bounty, sign_permit};
use nexus_chain::relay;
use nexus_proto::Envelope;
use nexus_proto::chain::{ArtifactKind, BountyOpened, LogPosition, Outcome, SettlementView};
use nexus_testkit::chain::TestAccount;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::market::{Market, Member};

pub(crate) const NXS: u128 = 10u128.pow(18);

/// Polls `check` until it answers `Some`, for at most a minute.
pub async fn eventually<T, F: Future<Output = Option<T>>>(
    what: &str,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The 65-byte signature a wallet's `eth_signTypedData_v4` makes over `typed` (the JSON).
pub fn sign_typed(wallet: &TestAccount, typed: &Value) -> String {
    let typed: alloy::dyn_abi::TypedData = serde_json::from_value(typed.clone()).unwrap();
    let hash = typed.eip712_signing_hash().unwrap();
    let signature = wallet.signer.sign_hash_sync(&hash).unwrap();
    alloy::hex::encode_prefixed(signature.as_bytes())
}

/// The body's `intent` for the typed data of `answer` (an `IntentToSign`), signed by `wallet`.
pub fn signed_intent(answer: &Value, wallet: &TestAccount) -> Value {
    let message = &answer["typed_data"]["message"];
    json!({
        "signer": answer["signer"],
        "nonce": message["nonce"],
        "deadline": message["deadline"],
        "signature": sign_typed(wallet, &answer["typed_data"]),
    })
}

/// The body's `permit` for the permit typed data of `answer`, signed by `wallet`.
pub(crate) fn signed_permit(answer: &Value, wallet: &TestAccount) -> Value {
    let message = &answer["permit"]["message"];
    json!({
        "nonce": message["nonce"],
        "deadline": message["deadline"],
        "signature": sign_typed(wallet, &answer["permit"]),
    })
}

/// A bounty on chain and open in the read model.
pub(crate) struct OpenBounty {
    pub id: Uuid,
    pub chain_id: u64,
    pub min_stake: u128,
    pub assertion_deadline: u64,
    pub reveal_deadline: u64,
}

/// Publishes chain events as the listener would.
pub(crate) struct Listener {
    bus: Bus,
    chain_id: u64,
    next_log: u64,
}

impl Listener {
    pub async fn connect(market: &Market) -> Self {
        let bus = Bus::connect(
            &market.context.redis_url,
            market.context.redis_prefix.clone(),
            BusSettings::default(),
        )
        .await
        .unwrap();
        Self {
            bus,
            chain_id: market.chain.chain_id(),
            next_log: 0,
        }
    }

    /// A log position at chain time `at`.
    pub fn log(&mut self, at: u64) -> LogPosition {
        self.next_log += 1;
        LogPosition {
            chain_id: self.chain_id,
            block_number: self.next_log,
            block_hash: format!("0x{:064x}", self.next_log),
            transaction_hash: format!("0x{:064x}", self.next_log),
            log_index: 0,
            contract: format!("0x{}", "ef".repeat(20)),
            block_time: DateTime::from_timestamp(i64::try_from(at).unwrap(), 0).unwrap(),
        }
    }

    pub async fn publish<E: nexus_proto::event::Event>(&self, event: E) {
        self.bus.publish(&Envelope::new(event)).await.unwrap();
    }
}

pub(crate) fn hex_of(address: Address) -> String {
    format!("{address:#x}")
}

/// `creator` posts a URL bounty the way the platform does: the bounty row with its relayed
/// `createBountyBySig` (signed by the creator's wallet), sent by the relayer; once on chain the
/// test announces `BountyOpened` and waits until the bounty reads `open`.
pub(crate) async fn open_bounty(
    market: &Market,
    listener: &mut Listener,
    creator: &Member,
) -> OpenBounty {
    let chain = &market.chain;
    let deployment = chain.deployment();
    let now = chain.now().await.unwrap();
    let reward = 50 * NXS;
    let min_stake = 2 * NXS;
    let assertion_deadline = now + 7_200;
    let request = BountyContract::CreateBountyRequest {
        artifactHash: keccak256(Uuid::now_v7().as_bytes()),
        kind: 1,
        reward,
        minStake: min_stake,
        assertionDeadline: assertion_deadline,
    };
    let nonce = chain
        .bounty()
        .nonces(creator.address())
        .call()
        .await
        .unwrap();
    let permit_nonce = chain
        .token()
        .nonces(creator.address())
        .call()
        .await
        .unwrap();
    let deadline = U256::from(now + 3_600);
    let domain = bounty_domain(deployment.chain_id, deployment.bounty);
    let token_domain =
        nexus_chain::intents::token_domain(deployment.chain_id, deployment.reputation_token);
    let payload = CreateBounty::for_request(creator.address(), &request, nonce, deadline);
    let intent = sign_create_bounty(&creator.wallet.signer, &domain, &payload).unwrap();
    let permit = sign_permit(
        &creator.wallet.signer,
        &token_domain,
        &Permit {
            owner: creator.address(),
            spender: deployment.bounty,
            value: U256::from(reward),
            nonce: permit_nonce,
            deadline,
        },
    )
    .unwrap();
    let call = relay::create_bounty_call(deployment, request.clone(), intent, permit);
    let count_before = chain.bounty().bountyCount().call().await.unwrap();
    let store = Store::new(market.context.database.pool.clone()).unwrap();
    let at = |seconds: u64| DateTime::from_timestamp(i64::try_from(seconds).unwrap(), 0).unwrap();
    let (id, _) = store
        .create_bounty(
            &NewBounty {
                creator_id: creator.id.clone(),
                creator_address: creator.address().into_array(),
                artifact_kind: "url",
                artifact_hash: request.artifactHash.0,
                artifact_url: Some("https://example.org/sample".into()),
                artifact_chain_id: None,
                artifact_address: None,
                reward,
                min_stake,
                assertion_deadline: at(assertion_deadline),
                reveal_deadline: at(assertion_deadline + 86_400),
                is_public: true,
                intent_digest: payload_digest(&payload, &domain),
            },
            CreateCall {
                to: call.to,
                calldata: call.data,
            },
        )
        .await
        .unwrap();
    let chain_id = eventually("the relayed createBountyBySig", || async {
        let count = chain.bounty().bountyCount().call().await.unwrap();
        (count > count_before).then_some(count)
    })
    .await;
    let terms = chain
        .bounty()
        .getBounty(chain_id)
        .call()
        .await
        .unwrap()
        .terms;
    assert_eq!(terms.creator, creator.address(), "created for the signer");
    let chain_id: u64 = chain_id.to();
    let log = listener.log(chain.now().await.unwrap());
    listener
        .publish(BountyOpened {
            log,
            bounty_id: chain_id,
            creator: hex_of(creator.address()),
            artifact_kind: ArtifactKind::Url,
            artifact_hash: request.artifactHash.to_string(),
            reward: reward.to_string(),
            min_stake: min_stake.to_string(),
            assertion_deadline,
            reveal_deadline: terms.revealDeadline,
        })
        .await;
    wait_for_status(market, id, "open").await;
    OpenBounty {
        id,
        chain_id,
        min_stake,
        assertion_deadline,
        reveal_deadline: terms.revealDeadline,
    }
}

pub(crate) fn payload_digest(
    payload: &CreateBounty,
    domain: &alloy::sol_types::Eip712Domain,
) -> [u8; 32] {
    use alloy::sol_types::SolStruct;
    payload.eip712_signing_hash(domain).0
}

/// Waits until `GET /v1/bounties/{id}` reads `status`; returns the view.
pub(crate) async fn wait_for_status(market: &Market, id: Uuid, status: &str) -> Value {
    eventually(&format!("bounty {id} to read {status}"), || async {
        let (code, view) = market
            .call(None, Method::GET, &format!("/v1/bounties/{id}"), None)
            .await;
        (code == StatusCode::OK && view["status"] == status).then_some(view)
    })
    .await
}

/// Qualifies `member`'s wallet as an analyst: 100 NXS staked in the token (its own transaction).
pub(crate) async fn qualify(market: &Market, member: &Member) {
    let provider = member.wallet.provider(&market.chain).unwrap();
    let token = nexus_chain::bindings::token::ReputationToken::new(
        market.chain.deployment().reputation_token,
        provider,
    );
    let pending = token.stake(U256::from(100 * NXS)).send().await.unwrap();
    pending.get_receipt().await.unwrap();
}

pub(crate) fn sealed(verdict: VerdictCode, salt: &str) -> SealedAssertion {
    SealedAssertion {
        verdict,
        confidence: 90,
        metadata_hash: keccak256("report"),
        salt: keccak256(salt),
    }
}

/// `member` commits `assertion` with `stake` through the API (typed data fetched, signed).
pub(crate) async fn commit(
    market: &Market,
    member: &Member,
    bounty: &OpenBounty,
    assertion: &SealedAssertion,
    stake: u128,
) -> (StatusCode, Value, Value) {
    let hash = commitment(U256::from(bounty.chain_id), member.address(), assertion);
    let (code, answer) = market
        .call(
            Some(member),
            Method::GET,
            &format!(
                "/v1/bounties/intents/commit?bounty={}&signer={}&commitment={hash}&stake={stake}",
                bounty.id,
                hex_of(member.address())
            ),
            None,
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{answer}");
    assert_eq!(answer["kind"], "commit");
    let body = json!({
        "commitment": hash.to_string(),
        "stake": stake.to_string(),
        "intent": signed_intent(&answer, &member.wallet),
        "permit": signed_permit(&answer, &member.wallet),
    });
    let (code, job) = post(
        market,
        member,
        &format!("/v1/bounties/{}/commitments", bounty.id),
        &body,
    )
    .await;
    (code, job, body)
}

pub(crate) async fn post(
    market: &Market,
    member: &Member,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    market
        .call(Some(member), Method::POST, path, Some(body))
        .await
}

pub(crate) fn reveal_body(member: &Member, assertion: &SealedAssertion) -> Value {
    json!({
        "analyst": hex_of(member.address()),
        "verdict": if assertion.verdict == VerdictCode::Malicious { "malicious" } else { "benign" },
        "confidence": assertion.confidence,
        "metadata_hash": assertion.metadata_hash.to_string(),
        "salt": assertion.salt.to_string(),
    })
}

pub(crate) async fn assertion_on_chain(
    market: &Market,
    bounty: &OpenBounty,
    analyst: Address,
) -> BountyContract::Assertion {
    market
        .chain
        .bounty()
        .getAssertion(U256::from(bounty.chain_id), analyst)
        .call()
        .await
        .unwrap()
}

pub(crate) fn settlement(outcome: Outcome) -> SettlementView {
    SettlementView {
        outcome,
        winning_stake: "0".into(),
        pool: "0".into(),
        fee: "0".into(),
        distributable: "0".into(),
        treasury_amount: "0".into(),
        creator_refund: "0".into(),
        analysts: Vec::new(),
    }
}

pub(crate) fn code(answer: &Value) -> &str {
    answer["code"].as_str().unwrap_or_default()
}
