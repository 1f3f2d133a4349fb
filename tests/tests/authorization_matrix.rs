//! The authorization matrix through the gateway: every public route × every kind of caller ×
//! own / someone else's private / someone else's public object, each cell with the status the
//! platform must answer. One table (`authorization_matrix/table.rs`) drives the whole test; a
//! cell that disagrees is reported with its route, caller and body, and all disagreements are
//! listed together. `authorization_matrix/coverage.rs` fails the test when an operation of the
//! public API document (the gateway's merged `/api/openapi.json`) has no row, so a new route
//! cannot be left out of the matrix.
//!
//! The platform is the whole marketplace (`platform::start_market`): nexus-bounty and
//! nexus-chain-listener on the process's anvil, and nexus-reputation, so bounty, chain and
//! reputation routes are in the matrix.
//!
//! Callers: a guest; `owner` (a user who uploaded a private and a public sample, owns a
//! retrohunt and posted a public and a private bounty, with a comment on each); `other`
//! (another user); `analyst` (who owns a ruleset and a retrohunt); `admin` (who owns a
//! ruleset); `key` (an API key of the owner's limited to `bounty:read`); `key2` (another key of
//! the owner's, limited to `file:read`); `disabled` (an account disabled by an admin after it
//! signed in, still holding its token); `banned` (an account banned by an admin, signed in
//! again: its token says `status: banned`). Owner, other, analyst and admin each have a linked
//! wallet, so a relayed action's signed intent gets past the wallet check to the signature
//! check (422) when the caller is allowed, which tells "allowed" from "refused" (403). The
//! `admin` column signed in with a password only, so privilege changes (which need a second
//! factor) are refused to it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;

use alloy::signers::SignerSync;
use nexus_proto::analysis::{CreateRetrohunt, CreateRuleset, SampleVisibility};
use nexus_proto::reputation::{HistoryQuery, LeaderboardQuery};
use nexus_proto::user::RegisterWsKeyRequest;
use nexus_proto::{Sha256, UserId};
use nexus_testkit::chain::NXS;
use nexus_testkit::nexus_client::{CallContext, ClientError};
use reqwest::Method;

#[path = "support/platform.rs"]
mod platform;

use platform::{Account, Platform};

#[path = "support/accounts.rs"]
mod accounts;

#[path = "support/market.rs"]
mod market;

#[path = "authorization_matrix/table.rs"]
mod table;

#[path = "authorization_matrix/coverage.rs"]
mod coverage;

use table::{Body, TABLE};

/// The kinds of caller, in the order of a row's `expect` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Guest,
    Owner,
    Other,
    Analyst,
    Admin,
    Key,
    Key2,
    Disabled,
    Banned,
}

const CALLERS: [Who; 9] = [
    Who::Guest,
    Who::Owner,
    Who::Other,
    Who::Analyst,
    Who::Admin,
    Who::Key,
    Who::Key2,
    Who::Disabled,
    Who::Banned,
];

/// The objects the table's placeholders name, and the per-caller values (`{who}`, `{wallet}`).
struct Objects(HashMap<&'static str, String>);

impl Objects {
    fn fill(&self, template: &str, who: Who, wallet: &str) -> String {
        let mut text = template
            .replace("{who}", &format!("{who:?}").to_lowercase())
            .replace("{wallet}", wallet);
        for (name, value) in &self.0 {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

/// Whether `text` still holds a `{placeholder}` (lower case and `_`; JSON's braces are not).
fn unfilled(text: &str) -> bool {
    text.split('{').skip(1).any(|after| {
        after.split_once('}').is_some_and(|(name, _)| {
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
        })
    })
}

/// Uploads `bytes` as `account` with `visibility`; returns (sha256, analysis id).
async fn upload(
    platform: &Platform,
    account: &Account,
    bytes: Vec<u8>,
    visibility: SampleVisibility,
) -> (String, String) {
    let accepted = platform
        .api
        .analysis()
        .upload(
            &CallContext::bearer(&account.token),
            bytes.clone(),
            Some(visibility),
        )
        .await
        .unwrap();
    (
        nexus_core::hex::encode(&sha256(&bytes)),
        accepted.analysis_id.to_string(),
    )
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

/// Gives `account` a role directly in its row (the admin route needs an admin to exist first),
/// then signs it in again so its token carries the role.
async fn promote(platform: &Platform, account: &mut Account, role: &str) {
    let id: uuid::Uuid = account.id.parse().unwrap();
    sqlx::query!(
        "UPDATE users.accounts SET role = $1 WHERE id = $2",
        role,
        id
    )
    .execute(&platform.context.database.pool)
    .await
    .unwrap();
    account.token = platform.sign_in(&account.username).await;
}

/// An API key of `account` with `scopes`, as the `Authorization: ApiKey` header value.
async fn api_key(platform: &Platform, account: &Account, scopes: &[&str]) -> String {
    let created = accounts::create_key(platform, &account.token, "narrow", scopes).await;
    format!("ApiKey {}", created.key)
}

/// `root` (an administrator who passed a second factor: status changes need one) disables
/// `account` through the public API; the gateway then refuses its token within seconds.
async fn disable(platform: &Platform, root: &str, account: &Account) {
    accounts::set_status(platform, root, &account.id, "disabled").await;
    let refused = accounts::until_me_answers(platform, &account.token, 401).await;
    assert_eq!(refused["code"], "token_revoked", "{refused}");
}

/// `root` bans `account`; the account signs in again and holds a token saying `banned`.
async fn ban(platform: &Platform, root: &str, account: &Account) -> String {
    accounts::set_status(platform, root, &account.id, "banned").await;
    accounts::until_me_answers(platform, &account.token, 401).await;
    let token = platform.sign_in(&account.username).await;
    let me = accounts::until_me_answers(platform, &token, 200).await;
    assert_eq!(me["status"], "banned", "{me}");
    token
}

/// A WebSocket key of `account`, registered with proof of possession (the key signs the
/// service's challenge); returns its id.
async fn ws_key(platform: &Platform, account: &Account) -> String {
    use ed25519_dalek::Signer;
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let public_key = nexus_core::hex::encode(key.verifying_key().as_bytes());
    let users = platform.api.users();
    let context = CallContext::bearer(&account.token);
    let challenge = users
        .create_ws_key_challenge(&context)
        .await
        .unwrap()
        .challenge;
    let message = format!(
        "nexus-ws-key-registration\nuser:{}\nkey:{public_key}\nchallenge:{challenge}",
        account.id
    );
    let registration = RegisterWsKeyRequest {
        public_key,
        label: Some("matrix".into()),
        challenge: Some(challenge),
        signature: Some(nexus_core::hex::encode(
            &key.sign(message.as_bytes()).to_bytes(),
        )),
    };
    users
        .register_ws_key(&context, &registration)
        .await
        .unwrap()
        .key_id
        .to_string()
}

/// Waits (60 s at most) until the analysis `id` is `completed`, as its uploader sees it: the
/// export rows need a finished report.
async fn until_completed(platform: &Platform, account: &Account, id: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (status, analysis) = accounts::call(
            platform,
            Method::GET,
            &format!("/api/v1/analyses/{id}"),
            Some(&account.token),
            None,
        )
        .await;
        assert_eq!(status, 200, "{analysis}");
        if analysis["status"] == "completed" {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "analysis {id} never completed: {analysis}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Posts a comment as `account` on bounty `id`; returns the comment's id.
async fn comment(platform: &Platform, account: &Account, id: &str) -> String {
    let (status, posted) = accounts::call(
        platform,
        Method::POST,
        &format!("/api/v1/bounties/{id}/comments"),
        Some(&account.token),
        Some(serde_json::json!({"body": "the owner's comment"})),
    )
    .await;
    assert_eq!(status, 201, "comment: {posted}");
    posted["id"].as_str().unwrap().to_owned()
}

/// A retrohunt of `account` (a rule that matches nothing); returns its id.
async fn hunt(platform: &Platform, account: &Account) -> String {
    let hunt = CreateRetrohunt {
        source: "rule r { condition: false }".into(),
        ruleset_id: None,
    };
    platform
        .api
        .analysis()
        .create_retrohunt(&CallContext::bearer(&account.token), &hunt)
        .await
        .unwrap()
        .id
        .to_string()
}

/// A ruleset of `account` named `name`; returns its id.
async fn ruleset(platform: &Platform, account: &Account, name: String) -> String {
    let ruleset = CreateRuleset {
        name,
        source: "rule r { condition: false }".into(),
    };
    platform
        .api
        .analysis()
        .create_ruleset(&CallContext::bearer(&account.token), &ruleset)
        .await
        .unwrap()
        .id
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_table_says() {
    // Hundreds of requests from one address: the rate limits are not what this test is about.
    let platform = platform::start_market_with(|gateway| gateway.rate_limit.enabled = false).await;

    // Every operation of the public API document has a row (or a reason in the allow-list).
    let document: serde_json::Value = platform
        .http
        .get(platform.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    coverage::every_operation_has_a_row(&document, TABLE);

    let suffix = &uuid::Uuid::now_v7().simple().to_string()[24..];
    let root = accounts::mfa_admin(&platform, &format!("root{suffix}")).await;
    let owner = platform.sign_up(&format!("owner{suffix}")).await;
    let other = platform.sign_up(&format!("other{suffix}")).await;
    let mut analyst = platform.sign_up(&format!("analyst{suffix}")).await;
    let mut admin = platform.sign_up(&format!("admin{suffix}")).await;
    let disabled = platform.sign_up(&format!("disabled{suffix}")).await;
    let banned = platform.sign_up(&format!("banned{suffix}")).await;
    promote(&platform, &mut analyst, "analyst").await;
    promote(&platform, &mut admin, "admin").await;
    let key = api_key(&platform, &owner, &["bounty:read"]).await;
    let key2 = api_key(&platform, &owner, &["file:read"]).await;
    // The admin's: the others try to revoke it (404, not theirs) before the admin does.
    let admin_key = accounts::create_key(&platform, &admin.token, "spare", &["bounty:read"]).await;
    let admin_ws_key = ws_key(&platform, &admin).await;
    let owner = market::member(&platform, owner, 1_000 * NXS).await;
    let other = market::member(&platform, other, 10 * NXS).await;
    let analyst = market::member(&platform, analyst, 10 * NXS).await;
    let admin = market::member(&platform, admin, 10 * NXS).await;
    let unlinked = alloy::signers::local::PrivateKeySigner::random().address();
    // A well-formed signature that recovers to no caller's wallet.
    let stranger_signature = alloy::signers::local::PrivateKeySigner::random()
        .sign_hash_sync(&alloy::primitives::B256::repeat_byte(0x33))
        .unwrap();

    let (private, private_analysis) = upload(
        &platform,
        &owner.account,
        format!("private matrix sample {suffix}").into_bytes(),
        SampleVisibility::Private,
    )
    .await;
    let (public, public_analysis) = upload(
        &platform,
        &owner.account,
        format!("public matrix sample {suffix}").into_bytes(),
        SampleVisibility::Public,
    )
    .await;
    // The bounties' own samples: a bounty's artifact becomes readable by analysts, which must
    // not change what the rows on `{private}` expect.
    let mut bounties = Vec::new();
    for is_public in [true, false] {
        let (artifact, _) = upload(
            &platform,
            &owner.account,
            format!("bounty matrix sample {is_public} {suffix}").into_bytes(),
            SampleVisibility::Private,
        )
        .await;
        bounties
            .push(market::post_bounty(&platform, &owner, &artifact, 100 * NXS, is_public).await);
    }
    let (public_bounty, private_bounty) = (bounties[0].clone(), bounties[1].clone());
    let public_comment = comment(&platform, &owner.account, &public_bounty).await;
    let private_comment = comment(&platform, &owner.account, &private_bounty).await;

    let owner_hunt = hunt(&platform, &owner.account).await;
    let analyst_hunt = hunt(&platform, &analyst.account).await;
    let analyst_ruleset = ruleset(&platform, &analyst.account, format!("analyst_{suffix}")).await;
    let admin_ruleset = ruleset(&platform, &admin.account, format!("admin_{suffix}")).await;
    disable(&platform, &root, &disabled).await;
    let banned_token = ban(&platform, &root, &banned).await;

    until_completed(&platform, &owner.account, &private_analysis).await;
    until_completed(&platform, &owner.account, &public_analysis).await;
    let chain = &platform.market().chain;
    let params = chain.bounty().params().call().await.unwrap();
    let deadline = chain.now().await.unwrap() + params.minCommitWindow + 3_600;
    let objects = Objects(HashMap::from([
        ("private", private),
        ("public", public),
        ("private_analysis", private_analysis),
        ("public_analysis", public_analysis),
        ("hunt", owner_hunt),
        ("analyst_hunt", analyst_hunt),
        ("owner_id", owner.account.id.clone()),
        ("ruleset", analyst_ruleset),
        ("admin_ruleset", admin_ruleset),
        ("public_bounty", public_bounty),
        ("private_bounty", private_bounty),
        ("public_comment", public_comment),
        ("private_comment", private_comment),
        ("owner_wallet", owner.address().to_string()),
        ("admin_wallet", admin.address().to_string()),
        ("admin_key", admin_key.info.key_id.to_string()),
        ("admin_ws_key", admin_ws_key),
        ("unlinked", unlinked.to_string()),
        ("chain_id", chain.chain_id().to_string()),
        ("deadline", deadline.to_string()),
        ("nobody", uuid::Uuid::now_v7().to_string()),
        ("proposal", "1".to_owned()),
        (
            "signature",
            alloy::hex::encode_prefixed(stranger_signature.as_bytes()),
        ),
        ("suffix", suffix.to_owned()),
    ]));
    let bearer = |token: &str| Some(format!("Bearer {token}"));
    let caller = |who: Who| -> (Option<String>, String) {
        match who {
            Who::Guest => (None, unlinked.to_string()),
            Who::Owner => (bearer(owner.token()), owner.address().to_string()),
            Who::Other => (bearer(other.token()), other.address().to_string()),
            Who::Analyst => (bearer(analyst.token()), analyst.address().to_string()),
            Who::Admin => (bearer(admin.token()), admin.address().to_string()),
            Who::Key => (Some(key.clone()), owner.address().to_string()),
            Who::Key2 => (Some(key2.clone()), owner.address().to_string()),
            Who::Disabled => (bearer(&disabled.token), unlinked.to_string()),
            Who::Banned => (bearer(&banned_token), unlinked.to_string()),
        }
    };

    let mut disagreements = Vec::new();
    let mut cells = 0;
    for row in TABLE {
        for (column, who) in CALLERS.iter().enumerate() {
            let (authorization, wallet) = caller(*who);
            let path = objects.fill(row.path, *who, &wallet);
            assert!(!unfilled(&path), "unfilled placeholder in {path}");
            let mut request = platform.http.request(
                Method::from_bytes(row.method.as_bytes()).unwrap(),
                platform.url(&path),
            );
            if let Some(value) = authorization {
                request = request.header("authorization", value);
            }
            request = match row.body {
                Body::None => request,
                Body::Sample => request
                    .header("content-type", "application/octet-stream")
                    .body(format!("matrix upload {suffix} {who:?}").into_bytes()),
                Body::Form => request
                    .header("content-type", "multipart/form-data; boundary=matrix-form")
                    .body(format!(
                        "--matrix-form\r\nContent-Disposition: form-data; name=\"file\"; \
                         filename=\"sample\"\r\n\r\nmatrix form {suffix} {who:?}\r\n--matrix-form--\r\n"
                    )),
                Body::Json(text) => {
                    let body = objects.fill(text, *who, &wallet);
                    assert!(!unfilled(&body), "unfilled placeholder in {body}");
                    request
                        .header("content-type", "application/json")
                        .body(body)
                }
            };
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            cells += 1;
            if status != row.expect[column] {
                let body = response.text().await.unwrap_or_default();
                disagreements.push(format!(
                    "{} {} as {who:?}: expected {}, got {status}: {}",
                    row.method,
                    row.path,
                    row.expect[column],
                    body.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    assert_eq!(cells, TABLE.len() * CALLERS.len());
    assert!(
        disagreements.is_empty(),
        "{} of {cells} cells disagree with the table:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );

    // The reputation rows' refusals and 404s carry the stable codes (docs/ERRORS.md), read
    // through nexus-client's typed ReputationClient as the gateway's clients call it.
    let reputation = platform.api.reputation();
    let api_code = |error: &ClientError| match error {
        ClientError::Api { body, .. } => body.code.clone(),
        other => panic!("not an answer of the service: {other}"),
    };
    let guest = CallContext::none();
    let nobody: UserId = objects.0["nobody"].parse().unwrap();
    let unknown = reputation.get_reputation(&guest, nobody).await.unwrap_err();
    assert_eq!(api_code(&unknown), "reputation_not_found", "{unknown}");
    let public: Sha256 = objects.0["public"].parse().unwrap();
    let unnamed = reputation.file_verdict(&guest, &public).await.unwrap_err();
    assert_eq!(api_code(&unnamed), "verdict_not_found", "{unnamed}");
    // Rows above revoked the owner's earlier tokens: a fresh sign-in.
    let owner_token = platform.sign_in(&owner.account.username).await;
    let as_owner = CallContext::bearer(&owner_token);
    let owner_id: UserId = owner.account.id.parse().unwrap();
    let history = reputation
        .history(&as_owner, owner_id, &HistoryQuery::default())
        .await
        .unwrap();
    assert!(history.entries.is_empty(), "{history:?}");
    assert_eq!(history.next_cursor, None);
    let board = LeaderboardQuery {
        period: Some("week".into()),
        kind: Some("pe".into()),
        limit: Some(5),
    };
    let board = reputation.leaderboard(&as_owner, &board).await.unwrap();
    assert_eq!((board.period.as_str(), board.kind.as_str()), ("week", "pe"));
    assert_eq!(board.me, None, "the owner has no settled work: {board:?}");
    for narrow in [&key, &key2] {
        let response = platform
            .http
            .get(platform.url("/api/v1/leaderboards"))
            .header("authorization", narrow.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 403);
        let refused: serde_json::Value = response.json().await.unwrap();
        assert_eq!(refused["code"], "scope_insufficient", "{refused}");
    }
}
