//! The marketplace's test helpers, for end-to-end tests through the gateway: members with a
//! wallet linked by Sign-In with Ethereum, typed data signed as a wallet signs it, relayed
//! actions, polls that move a depth-1 chain listener along, and the chain's balances.

// Each test binary uses the part of the helpers it needs.
#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use alloy::signers::SignerSync;
use nexus_proto::user::ChangeRoleRequest;
use nexus_testkit::chain::{TestAccount, TestChain};
use nexus_testkit::nexus_client::CallContext;
use reqwest::Method;
use serde_json::{Value, json};

use crate::accounts::{self, call};
use crate::platform::{Account, Platform};

/// How long any one awaited step may take before the test fails naming it.
pub const STEP: Duration = Duration::from_secs(60);
/// Pause between two polls.
const POLL: Duration = Duration::from_millis(100);

/// An account signed in through the gateway with a wallet linked to it.
pub struct Member {
    pub account: Account,
    pub wallet: TestAccount,
}

impl Member {
    pub fn token(&self) -> &str {
        &self.account.token
    }

    pub fn address(&self) -> Address {
        self.wallet.address
    }
}

/// Signs up `name` and has `admin` make it an analyst; returns the account with a token that
/// carries the new role (the change revoked the old one).
pub async fn analyst(platform: &Platform, admin: &str, name: &str) -> Account {
    let account = platform.sign_up(name).await;
    platform
        .api
        .users()
        .change_role(
            &CallContext::bearer(admin),
            account.id.parse().unwrap(),
            &ChangeRoleRequest {
                role: "analyst".into(),
            },
        )
        .await
        .unwrap();
    accounts::until_me_answers(platform, &account.token, 401).await;
    let token = platform.sign_in(name).await;
    let me = accounts::until_me_answers(platform, &token, 200).await;
    assert_eq!(me["roles"], json!(["analyst"]), "{me}");
    Account { token, ..account }
}

/// Gives `account` a fresh wallet holding `nxs` wei and links it through the gateway: the user
/// service's EIP-4361 challenge, signed with `personal_sign` as a wallet does.
pub async fn member(platform: &Platform, account: Account, nxs: u128) -> Member {
    let chain = &platform.market().chain;
    let wallet = chain.funded_account(nxs).await.unwrap();
    let (status, challenge) = call(
        platform,
        Method::POST,
        "/api/v1/users/me/wallets/challenge",
        Some(&account.token),
        Some(json!({"address": wallet.address.to_checksum(None), "chain_id": chain.chain_id()})),
    )
    .await;
    assert_eq!(status, 201, "wallet challenge: {challenge}");
    let message = challenge["message"].as_str().unwrap();
    let signature = wallet.signer.sign_message_sync(message.as_bytes()).unwrap();
    let (status, linked) = call(
        platform,
        Method::POST,
        "/api/v1/users/me/wallets",
        Some(&account.token),
        Some(json!({
            "message": message,
            "signature": alloy::hex::encode_prefixed(signature.as_bytes()),
        })),
    )
    .await;
    assert_eq!(status, 201, "link wallet: {linked}");
    Member { account, wallet }
}

/// `POST /api/v1/files` with the raw bytes.
pub async fn raw_upload(platform: &Platform, token: &str, bytes: Vec<u8>) -> (u16, Value) {
    let response = platform
        .http
        .post(platform.url("/api/v1/files"))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A relayed action as `member`: must be accepted (202, the job queued).
pub async fn action(platform: &Platform, member: &Member, path: &str, body: Value) -> Value {
    let (status, answer) = call(
        platform,
        Method::POST,
        path,
        Some(member.token()),
        Some(body),
    )
    .await;
    assert_eq!(status, 202, "POST {path}: {answer}");
    answer
}

/// The EIP-712 typed data of the intent in an intents answer (`IntentToSign`).
pub fn intent_typed_data(answer: &Value) -> Value {
    let typed = &answer["typed_data"];
    assert!(typed.is_object(), "no intent typed data in {answer}");
    typed.clone()
}

/// The EIP-2612 permit typed data in an intents answer.
pub fn permit_typed_data(answer: &Value) -> Value {
    let typed = &answer["permit"];
    assert!(typed.is_object(), "no permit typed data in {answer}");
    typed.clone()
}

/// What `eth_signTypedData_v4` returns for `typed`: the EIP-712 digest computed from the JSON
/// (alloy's dynamic typed data, as a wallet parses it), signed; `0x` + r ‖ s ‖ v.
pub fn sign_typed_data(wallet: &TestAccount, typed: &Value) -> String {
    let parsed: alloy_dyn_abi::TypedData = serde_json::from_value(typed.clone())
        .unwrap_or_else(|error| panic!("typed data a wallet cannot parse ({error}): {typed}"));
    let digest = parsed.eip712_signing_hash().unwrap();
    let signature = wallet.signer.sign_hash_sync(&digest).unwrap();
    alloy::hex::encode_prefixed(signature.as_bytes())
}

/// `message[field]` of typed data, as the decimal string the body repeats.
pub fn message_field(typed: &Value, field: &str) -> String {
    typed["message"][field]
        .as_str()
        .map(str::to_owned)
        .or_else(|| typed["message"][field].as_u64().map(|n| n.to_string()))
        .unwrap_or_else(|| panic!("typed data without message.{field}: {typed}"))
}

pub fn signed_intent(member: &Member, typed: &Value) -> Value {
    json!({
        "signer": member.address().to_string(),
        "nonce": message_field(typed, "nonce"),
        "deadline": message_field(typed, "deadline"),
        "signature": sign_typed_data(&member.wallet, typed),
    })
}

pub fn signed_permit(member: &Member, typed: &Value) -> Value {
    json!({
        "nonce": message_field(typed, "nonce"),
        "deadline": message_field(typed, "deadline"),
        "signature": sign_typed_data(&member.wallet, typed),
    })
}

/// The assertion of `analyst` in a bounty's view.
pub fn assertion_of(bounty: &Value, analyst: Address) -> Value {
    let wanted = analyst.to_string().to_lowercase();
    bounty["assertions"]
        .as_array()
        .and_then(|assertions| {
            assertions
                .iter()
                .find(|assertion| assertion["analyst"].as_str() == Some(wanted.as_str()))
        })
        .cloned()
        .unwrap_or(Value::Null)
}

/// A deadline of the bounty view, as unix seconds.
pub fn opened_deadline(bounty: &Value, field: &str) -> u64 {
    let text = bounty[field].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(text).unwrap();
    u64::try_from(parsed.timestamp()).unwrap()
}

/// Moves the chain's clock to one second past `deadline` (and mines a block there).
pub async fn advance_past(chain: &TestChain, deadline: u64) {
    let now = chain.now().await.unwrap();
    if deadline >= now {
        chain
            .advance(Duration::from_secs(deadline - now + 1))
            .await
            .unwrap();
    }
}

/// Polls `check` until it yields a value, mining one block per round: the listener confirms a
/// log once a later block exists (depth 1), and anvil mines none unless asked.
pub async fn until<T, F, Fut>(chain: &TestChain, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + STEP;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "waited {STEP:?} for: {what}");
        chain.mine(1).await.unwrap();
        tokio::time::sleep(POLL).await;
    }
}

/// Polls `GET /api/v1/bounties/{id}` (as `member`) until `ready` holds; returns the view.
pub async fn until_bounty(
    platform: &Platform,
    member: &Member,
    id: &str,
    what: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/v1/bounties/{id}");
    let chain = &platform.market().chain;
    let deadline = Instant::now() + STEP;
    loop {
        let (status, bounty) = call(platform, Method::GET, &path, Some(member.token()), None).await;
        assert_eq!(status, 200, "GET {path}: {bounty}");
        if ready(&bounty) {
            return bounty;
        }
        assert!(
            Instant::now() < deadline,
            "waited {STEP:?} for: {what}; last {bounty:#}"
        );
        chain.mine(1).await.unwrap();
        tokio::time::sleep(POLL).await;
    }
}

/// NXS balances (wei) of everyone the bounty pays.
pub struct Balances {
    pub creator: U256,
    pub right: U256,
    pub wrong: U256,
    pub treasury: U256,
}

impl Balances {
    pub async fn read(chain: &TestChain, creator: &Member, right: &Member, wrong: &Member) -> Self {
        Self {
            creator: chain.nxs_balance(creator.address()).await.unwrap(),
            right: chain.nxs_balance(right.address()).await.unwrap(),
            wrong: chain.nxs_balance(wrong.address()).await.unwrap(),
            treasury: chain.nxs_balance(chain.treasury()).await.unwrap(),
        }
    }
}

/// Posts a bounty of `reward` wei (minimum stake 1 NXS) on the stored sample `sha256` as
/// `creator` through the gateway, signed as a wallet signs (the create intent and its permit),
/// and waits until the listener confirmed it `open`; returns its id. The commit window ends an
/// hour after the shortest one the contract allows.
pub async fn post_bounty(
    platform: &Platform,
    creator: &Member,
    sha256: &str,
    reward: u128,
    is_public: bool,
) -> String {
    let chain = &platform.market().chain;
    let params = chain.bounty().params().call().await.unwrap();
    let min_stake = nexus_testkit::chain::NXS;
    let assertion_deadline = chain.now().await.unwrap() + params.minCommitWindow + 3_600;
    let query = format!(
        "/api/v1/bounties/intents/create?signer={}&artifact_kind=file&sha256={sha256}\
         &reward={reward}&min_stake={min_stake}&assertion_deadline={assertion_deadline}",
        creator.address()
    );
    let (status, typed) = call(platform, Method::GET, &query, Some(creator.token()), None).await;
    assert_eq!(status, 200, "create intent: {typed}");
    let (intent, permit) = (intent_typed_data(&typed), permit_typed_data(&typed));
    let body = json!({
        "artifact": {"kind": "file", "sha256": sha256},
        "reward": reward.to_string(),
        "min_stake": min_stake.to_string(),
        "assertion_deadline": assertion_deadline,
        "is_public": is_public,
        "intent": signed_intent(creator, &intent),
        "permit": signed_permit(creator, &permit),
    });
    let (status, created) = call(
        platform,
        Method::POST,
        "/api/v1/bounties",
        Some(creator.token()),
        Some(body),
    )
    .await;
    assert_eq!(status, 202, "POST /api/v1/bounties: {created}");
    let id = created["id"].as_str().unwrap().to_owned();
    until_bounty(platform, creator, &id, "the bounty is open", |bounty| {
        bounty["status"] == "open"
    })
    .await;
    id
}
