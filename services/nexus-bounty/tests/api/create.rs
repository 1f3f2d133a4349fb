//! Posting a bounty (`GET /v1/bounties/intents/create`, `POST /v1/bounties`) against the real
//! services and anvil: the typed data served is signed the way a wallet signs it (the digest
//! computed from the JSON), the relayer's `createBountyBySig` confirms on chain, and each check
//! refuses with its code.

use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256, keccak256};
use alloy::signers::SignerSync;
use nexus_chain::bindings::bounty::BountyContract;
use nexus_chain::typed_data::{self, TypedData};
use nexus_testkit::chain::{TestAccount, TestChain};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::market::{Market, Member};

const NXS: u128 = 10u128.pow(18);

/// What a test posts: an artifact and terms.
#[derive(Clone)]
struct Terms {
    artifact: Value,
    reward: u128,
    min_stake: u128,
    assertion_deadline: u64,
}

impl Terms {
    /// A file bounty of 5 NXS, minimum stake 1 NXS, deadline a day after chain time `now`.
    fn file(sha256: &str, now: u64) -> Self {
        Self {
            artifact: json!({ "kind": "file", "sha256": sha256 }),
            reward: 5 * NXS,
            min_stake: NXS,
            assertion_deadline: now + 86_400,
        }
    }

    /// The intents endpoint's query for `signer`.
    fn query(&self, signer: Address) -> String {
        let mut query = format!(
            "signer={}&artifact_kind={}&reward={}&min_stake={}&assertion_deadline={}",
            signer.to_checksum(None),
            self.artifact["kind"].as_str().unwrap(),
            self.reward,
            self.min_stake,
            self.assertion_deadline
        );
        for field in ["sha256", "url", "address"] {
            if let Some(value) = self.artifact[field].as_str() {
                query.push_str(&format!("&{field}={}", urlencode(value)));
            }
        }
        if let Some(chain_id) = self.artifact["chain_id"].as_u64() {
            query.push_str(&format!("&chain_id={chain_id}"));
        }
        query
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Signs typed data as a wallet's `eth_signTypedData_v4` does: the digest of the JSON.
fn sign_json(wallet: &TestAccount, typed: &Value) -> String {
    let typed: TypedData = serde_json::from_value(typed.clone()).expect("typed data JSON");
    sign(wallet, &typed)
}

fn sign(wallet: &TestAccount, typed: &TypedData) -> String {
    let hash = typed.signing_hash().expect("a digest");
    let signature = wallet.signer.sign_hash_sync(&hash).expect("signs");
    alloy::hex::encode_prefixed(signature.as_bytes())
}

/// `GET /v1/bounties/intents/create` as `member` for `signer`.
async fn intents(
    market: &Market,
    member: Option<&Member>,
    signer: Address,
    terms: &Terms,
) -> (StatusCode, Value) {
    let path = format!("/v1/bounties/intents/create?{}", terms.query(signer));
    market.call(member, Method::GET, &path, None).await
}

/// The POST body for `terms` with the served typed data signed by `wallet`.
fn body(terms: &Terms, served: &Value, wallet: &TestAccount) -> Value {
    let intent = &served["typed_data"];
    let permit = &served["permit"];
    json!({
        "artifact": terms.artifact,
        "reward": terms.reward.to_string(),
        "min_stake": terms.min_stake.to_string(),
        "assertion_deadline": terms.assertion_deadline,
        "is_public": false,
        "intent": {
            "signer": intent["message"]["creator"],
            "nonce": intent["message"]["nonce"],
            "deadline": intent["message"]["deadline"],
            "signature": sign_json(wallet, intent),
        },
        "permit": {
            "nonce": permit["message"]["nonce"],
            "deadline": permit["message"]["deadline"],
            "signature": sign_json(wallet, permit),
        },
    })
}

/// Asks for the typed data as `member` (for its own wallet), signs it and returns the body.
async fn signed_body(market: &Market, member: &Member, terms: &Terms) -> Value {
    let (status, served) = intents(market, Some(member), member.address(), terms).await;
    assert_eq!(status, StatusCode::OK, "{served}");
    body(terms, &served, &member.wallet)
}

/// The body for `terms` signed without asking the service (it may be unreachable): the typed
/// data built by nexus-chain with the nonces and deadline given.
fn body_signed_offline(
    chain: &TestChain,
    wallet: &TestAccount,
    terms: &Terms,
    artifact_hash: [u8; 32],
    nonces: (u64, u64),
    deadline: u64,
) -> Value {
    let request = BountyContract::CreateBountyRequest {
        artifactHash: artifact_hash.into(),
        kind: 0,
        reward: terms.reward,
        minStake: terms.min_stake,
        assertionDeadline: terms.assertion_deadline,
    };
    let intent = typed_data::create_bounty(
        chain.deployment(),
        wallet.address,
        &request,
        U256::from(nonces.0),
        U256::from(deadline),
    );
    let permit = typed_data::permit(
        chain.deployment(),
        wallet.address,
        U256::from(terms.reward),
        U256::from(nonces.1),
        U256::from(deadline),
    );
    json!({
        "artifact": terms.artifact,
        "reward": terms.reward.to_string(),
        "min_stake": terms.min_stake.to_string(),
        "assertion_deadline": terms.assertion_deadline,
        "intent": {
            "signer": wallet.address.to_checksum(None),
            "nonce": nonces.0.to_string(),
            "deadline": deadline.to_string(),
            "signature": sign(wallet, &intent),
        },
        "permit": {
            "nonce": nonces.1.to_string(),
            "deadline": deadline.to_string(),
            "signature": sign(wallet, &permit),
        },
    })
}

async fn post(market: &Market, member: Option<&Member>, body: &Value) -> (StatusCode, Value) {
    market
        .call(member, Method::POST, "/v1/bounties", Some(body))
        .await
}

/// Polls `GET /v1/bounties/{id}` as `member` until its create call is `confirmed` (a minute at
/// most); the bounty as then shown.
async fn until_confirmed(market: &Market, member: &Member, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, view) = market
            .call(
                Some(member),
                Method::GET,
                &format!("/v1/bounties/{id}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let status = view["transactions"][0]["status"]
            .as_str()
            .unwrap_or_default();
        if status == "confirmed" {
            return view;
        }
        assert_ne!(status, "failed", "the create call failed: {view}");
        assert!(
            Instant::now() < deadline,
            "not confirmed in a minute: {view}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn escrowed(chain: &TestChain) -> U256 {
    chain
        .nxs_balance(chain.deployment().bounty)
        .await
        .expect("balance")
}

/// A change that spoils a request body.
type Spoil = fn(&mut Value);

fn code(answer: &Value) -> &str {
    answer["code"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounty_signed_from_the_served_typed_data_is_created_on_chain() {
    let market = Market::spawn().await;
    let poster = market.member("poster", &["user"]).await;
    let analyst = market.member("analyst", &["analyst"]).await;
    let sha256 = market.upload(&poster, b"a sample worth a bounty").await;
    let now = market.chain.now().await.unwrap();
    let terms = Terms::file(&sha256, now);

    let (status, served) = intents(&market, Some(&poster), poster.address(), &terms).await;
    assert_eq!(status, StatusCode::OK, "{served}");
    let deployment = market.chain.deployment();
    assert_eq!(served["kind"], "create");
    assert_eq!(served["chain_id"], market.chain.chain_id());
    assert!(
        served["submit"]
            .as_str()
            .unwrap()
            .contains("/api/v1/bounties")
    );
    let intent = &served["typed_data"];
    assert_eq!(intent["primaryType"], "CreateBounty");
    assert_eq!(
        intent["message"]["creator"],
        poster.address().to_checksum(None)
    );
    assert_eq!(intent["message"]["artifactHash"], format!("0x{sha256}"));
    assert_eq!(intent["message"]["reward"], terms.reward.to_string());
    assert_eq!(intent["message"]["nonce"], "0");
    let permit = &served["permit"];
    assert_eq!(permit["primaryType"], "Permit");
    assert_eq!(
        permit["message"]["spender"],
        deployment.bounty.to_checksum(None)
    );
    assert_eq!(permit["message"]["value"], terms.reward.to_string());

    let count_before = market.chain.bounty().bountyCount().call().await.unwrap();
    let escrow_before = escrowed(&market.chain).await;
    let body = body(&terms, &served, &poster.wallet);
    let (status, created) = post(&market, Some(&poster), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    assert_eq!(created["status"], "pending");
    assert_eq!(created["transaction"]["kind"], "create_bounty");
    let id = created["id"].as_str().unwrap().to_owned();

    let view = until_confirmed(&market, &poster, &id).await;
    assert_eq!(view["artifact"]["sha256"], sha256.as_str());
    assert_eq!(view["reward"], terms.reward.to_string());
    assert_eq!(view["creator"], poster.id.as_str());
    let count_after = market.chain.bounty().bountyCount().call().await.unwrap();
    assert_eq!(count_after, count_before + U256::from(1));
    assert_eq!(
        escrowed(&market.chain).await,
        escrow_before + U256::from(terms.reward)
    );

    // Posting made the private file a bounty's artifact: an analyst may read it now.
    let file = market
        .analysis
        .client
        .analysis()
        .get_file(&analyst.context(), &sha256.parse().unwrap())
        .await
        .expect("an analyst reads the bounty's file");
    assert_eq!(file.sha256.as_str(), sha256);
    market.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_intent_twice_is_one_bounty_and_one_job() {
    let market = Market::spawn().await;
    let poster = market.member("twice", &["user"]).await;
    let now = market.chain.now().await.unwrap();
    let url = "https://example.org/phish?id=1";
    let terms = Terms {
        artifact: json!({ "kind": "url", "url": url }),
        ..Terms::file("", now)
    };
    let body = signed_body(&market, &poster, &terms).await;
    let (first_status, first) = post(&market, Some(&poster), &body).await;
    assert_eq!(first_status, StatusCode::ACCEPTED, "{first}");
    let (second_status, second) = post(&market, Some(&poster), &body).await;
    assert_eq!(second_status, StatusCode::ACCEPTED, "{second}");
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["transaction"]["id"], second["transaction"]["id"]);

    let id = first["id"].as_str().unwrap();
    let view = until_confirmed(&market, &poster, id).await;
    assert_eq!(view["transactions"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(view["artifact"]["url"], url);
    assert_eq!(
        view["artifact"]["hash"],
        format!("{}", keccak256(url.as_bytes()))
    );
    market.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_artifact_commits_to_its_address_left_padded() {
    let market = Market::spawn().await;
    let poster = market.member("contract", &["user"]).await;
    let now = market.chain.now().await.unwrap();
    let address = "0x52908400098527886e0f7030069857d2e4169ee7";
    let terms = Terms {
        artifact: json!({ "kind": "contract", "chain_id": 1, "address": address }),
        ..Terms::file("", now)
    };
    let (status, served) = intents(&market, Some(&poster), poster.address(), &terms).await;
    assert_eq!(status, StatusCode::OK, "{served}");
    let padded = format!("0x{}{}", "0".repeat(24), &address[2..]);
    assert_eq!(served["typed_data"]["message"]["artifactHash"], padded);
    assert_eq!(served["typed_data"]["message"]["kind"], "2");
    let (status, created) = post(
        &market,
        Some(&poster),
        &body(&terms, &served, &poster.wallet),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    let view = until_confirmed(&market, &poster, created["id"].as_str().unwrap()).await;
    assert_eq!(view["artifact"]["kind"], "contract");
    assert_eq!(view["artifact"]["chain_id"], 1);
    assert_eq!(view["artifact"]["address"], address);
    assert_eq!(view["artifact"]["hash"], padded);
    market.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_check_refuses_with_its_code() {
    let market = Market::spawn().await;
    let poster = market.member("refused", &["user"]).await;
    let other = market.member("other", &["user"]).await;
    let sha256 = market.upload(&poster, b"refusals").await;
    let theirs = market.upload(&other, b"someone else's private file").await;
    let now = market.chain.now().await.unwrap();
    let terms = Terms::file(&sha256, now);
    let good = signed_body(&market, &poster, &terms).await;

    // Guests may neither ask for typed data nor post.
    let (status, answer) = intents(&market, None, poster.address(), &terms).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let (status, answer) = post(&market, None, &good).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );

    // A banned account may not post (the policies decide).
    let mut claims = market.context.claims(&poster.id, &["user"]);
    claims.status = Some("banned".into());
    let banned = Member {
        id: poster.id.clone(),
        token: market.context.sign(&claims),
        wallet: poster.wallet.clone(),
    };
    let (status, answer) = post(&market, Some(&banned), &good).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "{answer}"
    );

    // Signed by a wallet that is not the caller's: another member's body, or asking for it.
    let (status, answer) = post(&market, Some(&other), &good).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::FORBIDDEN, "wallet_not_linked")
    );
    let (status, answer) = intents(&market, Some(&other), poster.address(), &terms).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::FORBIDDEN, "wallet_not_linked")
    );

    // Someone else's private file, and a file that is not stored: the same 404.
    for sha in [theirs.clone(), "ab".repeat(32)] {
        let body = signed_body(&market, &poster, &Terms::file(&sha, now)).await;
        let (status, answer) = post(&market, Some(&poster), &body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::NOT_FOUND, "file_not_found"),
            "{answer}"
        );
    }

    // Terms outside the governed parameters (deployed: reward ≥ 1 NXS, commit window 1 h–7 d),
    // refused by both endpoints.
    let cheap = Terms {
        reward: NXS - 1,
        ..terms.clone()
    };
    let soon = Terms {
        assertion_deadline: now + 600,
        ..terms.clone()
    };
    let late = Terms {
        assertion_deadline: now + 8 * 86_400,
        ..terms.clone()
    };
    for (bad, expected) in [
        (&cheap, "reward_too_low"),
        (&soon, "deadline_outside_window"),
        (&late, "deadline_outside_window"),
    ] {
        let (status, answer) = intents(&market, Some(&poster), poster.address(), bad).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, expected)
        );
        let mut body = good.clone();
        body["reward"] = json!(bad.reward.to_string());
        body["assertion_deadline"] = json!(bad.assertion_deadline);
        let (status, answer) = post(&market, Some(&poster), &body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, expected)
        );
    }

    // Values other than the ones signed: the signatures no longer match.
    let mut tampered = good.clone();
    tampered["reward"] = json!((terms.reward + 1).to_string());
    let (status, answer) = post(&market, Some(&poster), &tampered).await;
    assert_eq!(
        (status, code(&answer)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "intent_signature_mismatch"
        ),
        "{answer}"
    );
    let mut wrong_permit = good.clone();
    wrong_permit["permit"]["nonce"] = json!("7");
    let (status, answer) = post(&market, Some(&poster), &wrong_permit).await;
    assert_eq!(
        (status, code(&answer)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "intent_signature_mismatch"
        )
    );

    // Malformed fields: 400 naming them.
    let malformed: [(&str, Spoil, &str); 6] = [
        (
            "signature",
            |b| b["intent"]["signature"] = json!("0x1234"),
            "invalid_intent",
        ),
        (
            "signer",
            |b| b["intent"]["signer"] = json!("0x12"),
            "invalid_intent",
        ),
        ("reward", |b| b["reward"] = json!("5e18"), "invalid_amount"),
        (
            "permit nonce",
            |b| b["permit"]["nonce"] = json!("-1"),
            "invalid_intent",
        ),
        (
            "two artifacts",
            |b| b["artifact"]["url"] = json!("https://example.org"),
            "invalid_artifact",
        ),
        (
            "credentials",
            |b| b["artifact"] = json!({"kind": "url", "url": "https://me:secret@example.org/"}),
            "invalid_artifact",
        ),
    ];
    for (what, spoil, expected) in malformed {
        let mut body = good.clone();
        spoil(&mut body);
        let (status, answer) = post(&market, Some(&poster), &body).await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::BAD_REQUEST, expected),
            "{what}: {answer}"
        );
    }

    // A field the body does not have: refused by the strict extractor, nothing posted.
    let mut unknown = good.clone();
    unknown["fee"] = json!("0");
    let (status, answer) = post(&market, Some(&poster), &unknown).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request_body"),
        "{answer}"
    );

    // Nothing above was posted; the good body still is.
    let (status, answer) = post(&market, Some(&poster), &good).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    let (_, mine) = market
        .call(Some(&poster), Method::GET, "/v1/me/bounties", None)
        .await;
    assert_eq!(mine["bounties"].as_array().unwrap().len(), 1, "{mine}");
    market.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intent_past_its_deadline_is_refused() {
    let market = Market::spawn().await;
    let poster = market.member("late", &["user"]).await;
    let sha256 = market.upload(&poster, b"expiring").await;
    let now = market.chain.now().await.unwrap();
    let terms = Terms {
        assertion_deadline: now + 3 * 86_400,
        ..Terms::file(&sha256, now)
    };
    let body = signed_body(&market, &poster, &terms).await;
    // The typed data lives an hour of chain time; two pass (the terms stay within the window).
    market
        .chain
        .advance(Duration::from_secs(2 * 3_600))
        .await
        .unwrap();
    let (status, answer) = post(&market, Some(&poster), &body).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, "intent_expired"),
        "{answer}"
    );
    market.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_chain_stopped_a_bounty_is_still_accepted_and_queued_then_sent() {
    let chain = TestChain::private().await.unwrap();
    let mut market = Market::spawn_on(chain, |settings| {
        settings.relayer.backoff_base = Duration::from_millis(100);
        settings.relayer.backoff_max = Duration::from_millis(500);
        settings.relayer.breaker_open_duration = Duration::from_millis(300);
    })
    .await;
    let poster = market.member("offline", &["user"]).await;
    let sha256 = market
        .upload(&poster, b"posted while the chain is down")
        .await;
    let now = market.chain.now().await.unwrap();

    // One bounty while the chain is up: the service reads the governed parameters.
    let first = Terms::file(&sha256, now);
    let body = signed_body(&market, &poster, &first).await;
    let (status, created) = post(&market, Some(&poster), &body).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    until_confirmed(&market, &poster, created["id"].as_str().unwrap()).await;
    let count_before = market.chain.bounty().bountyCount().call().await.unwrap();

    market.chain.stop().unwrap();
    // Typed data needs the signer's nonces from the chain: unavailable now.
    let second = Terms {
        reward: 7 * NXS,
        ..Terms::file(&sha256, now)
    };
    let (status, answer) = intents(&market, Some(&poster), poster.address(), &second).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::SERVICE_UNAVAILABLE, "chain_unavailable")
    );
    // A wallet that signed anyway (nonces 1: the first bounty used 0 of each) is accepted.
    let mut hash = [0u8; 32];
    alloy::hex::decode_to_slice(&sha256, &mut hash).unwrap();
    let offline = body_signed_offline(
        &market.chain,
        &poster.wallet,
        &second,
        hash,
        (1, 1),
        now + 3_600,
    );
    let (status, queued) = post(&market, Some(&poster), &offline).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["status"], "pending");
    assert_eq!(queued["transaction"]["status"], "queued", "{queued}");

    // The chain returns: the queued creation goes out and confirms.
    market.chain.restart().await.unwrap();
    until_confirmed(&market, &poster, queued["id"].as_str().unwrap()).await;
    let count = market.chain.bounty().bountyCount().call().await.unwrap();
    assert_eq!(count, count_before + U256::from(1));
    market.stop().await;
}
