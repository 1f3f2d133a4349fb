//! The authorization matrix through the gateway: every public route × every kind of caller ×
//! own / someone else's private / someone else's public object, each cell with the status the
//! platform must answer. One table drives the whole test; a cell that disagrees is reported with
//! its route, caller and body, and all disagreements are listed together.
//!
//! Callers: a guest; `owner` (a user who uploaded a private and a public sample and owns a
//! retrohunt); `other` (another user); `analyst`; `admin`; `key` (an API key of the owner's
//! limited to `bounty:read`); `disabled` (an account disabled by an admin after it signed in,
//! still holding its token). The `admin` column signed in with a password only, so privilege
//! changes (which need a second factor) are refused to it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use nexus_proto::analysis::{CreateRetrohunt, CreateRuleset, SampleVisibility};
use nexus_testkit::nexus_client::CallContext;
use reqwest::Method;

#[path = "support/platform.rs"]
mod platform;

use platform::{Account, Platform};

#[path = "support/accounts.rs"]
mod accounts;

/// The kinds of caller, in the order of a row's `expect` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Guest,
    Owner,
    Other,
    Analyst,
    Admin,
    Key,
    Disabled,
}

const CALLERS: [Who; 7] = [
    Who::Guest,
    Who::Owner,
    Who::Other,
    Who::Analyst,
    Who::Admin,
    Who::Key,
    Who::Disabled,
];

/// What a request sends besides its path.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    /// A fresh sample's bytes (`POST /files`).
    Sample,
    /// A fresh sample as a multipart form's `file` part (`POST /analyze`).
    Form,
    /// JSON; `{who}` becomes the caller's name, for bodies that must differ per caller.
    Json(&'static str),
}

/// One route on one object: `path` names the object through a `{placeholder}` of [`Objects`].
struct Row {
    method: &'static str,
    path: &'static str,
    body: Body,
    /// guest, owner, other, analyst, admin, key, disabled.
    expect: [u16; 7],
}

const fn row(method: &'static str, path: &'static str, body: Body, expect: [u16; 7]) -> Row {
    Row {
        method,
        path,
        body,
        expect,
    }
}

/// The table. `{private}`/`{public}`: the owner's private and public samples;
/// `{private_analysis}`/`{public_analysis}`: their analyses; `{hunt}`: the owner's retrohunt;
/// `{owner_id}`: the owner's account id; `{ruleset}`: a ruleset of the analyst's. 404 on a private object means "hidden": a caller who
/// may not read it cannot learn that it exists.
#[rustfmt::skip]
const TABLE: &[Row] = &[
    //                                                                    guest owner other analyst admin key disabled
    // Samples: metadata and latest report.
    row("GET",  "/api/v1/files/{private}",                    Body::None, [404, 200, 404, 404, 200, 403, 401]),
    row("GET",  "/api/v1/files/{public}",                     Body::None, [200, 200, 200, 200, 200, 403, 401]),
    // Similar files.
    row("GET",  "/api/v1/files/{private}/similar",            Body::None, [404, 200, 404, 404, 200, 403, 401]),
    row("GET",  "/api/v1/files/{public}/similar",             Body::None, [200, 200, 200, 200, 200, 403, 401]),
    // Bytes: uploaders and analysts who may read the sample; never guests.
    row("GET",  "/api/v1/files/{private}/download",           Body::None, [404, 200, 404, 404, 200, 403, 401]),
    row("GET",  "/api/v1/files/{public}/download",            Body::None, [401, 200, 403, 200, 200, 403, 401]),
    // Analyses.
    row("GET",  "/api/v1/analyses/{private_analysis}",        Body::None, [404, 200, 404, 404, 200, 403, 401]),
    row("GET",  "/api/v1/analyses/{public_analysis}",         Body::None, [200, 200, 200, 200, 200, 403, 401]),
    // Re-analysis: the uploaders (and admins) of a sample they may read.
    row("POST", "/api/v1/analyses/{private_analysis}/reanalyse", Body::None, [401, 202, 404, 404, 202, 403, 401]),
    row("POST", "/api/v1/analyses/{public_analysis}/reanalyse",  Body::None, [401, 202, 403, 403, 202, 403, 401]),
    // Uploads: any account, not a key limited to reading bounties.
    row("POST", "/api/v1/files",                              Body::Sample, [401, 202, 202, 202, 202, 403, 401]),
    row("POST", "/api/v1/analyze",                            Body::Form,   [401, 202, 202, 202, 202, 403, 401]),
    // Retrohunts: any account may hunt over what it may read; only the owner reads the hunt.
    row("POST", "/api/v1/retrohunts",                         Body::Json(r#"{"source":"rule r { condition: false }"}"#), [401, 202, 202, 202, 202, 403, 401]),
    row("GET",  "/api/v1/retrohunts/{hunt}",                  Body::None, [401, 200, 404, 404, 200, 403, 401]),
    // Rulesets: written by analysts.
    row("POST", "/api/v1/rulesets",                           Body::Json(r#"{"name":"matrix_{who}","source":"rule r { condition: false }"}"#), [401, 403, 403, 201, 201, 403, 401]),
    row("GET",  "/api/v1/rulesets/{ruleset}",                 Body::None, [404, 404, 404, 200, 200, 403, 401]),
    // Accounts.
    row("GET",  "/api/v1/users/me",                           Body::None, [401, 200, 200, 200, 200, 403, 401]),
    row("GET",  "/api/v1/users/{owner_id}",                   Body::None, [200, 200, 200, 200, 200, 403, 401]),
    row("PUT",  "/api/v1/users/{owner_id}/role",              Body::Json(r#"{"role":"analyst"}"#), [401, 403, 403, 403, 403, 403, 401]),
    // A method the user service does not route there: its 405 for anyone signed in.
    row("POST", "/api/v1/users/{owner_id}/role",              Body::Json(r#"{"role":"analyst"}"#), [401, 405, 405, 405, 405, 405, 401]),
    row("GET",  "/api/v1/users/me/wallets",                   Body::None, [401, 200, 200, 200, 200, 403, 401]),
    row("GET",  "/api/v1/users/me/ws-keys",                   Body::None, [401, 200, 200, 200, 200, 403, 401]),
    row("GET",  "/api/v1/users/me/referrals",                 Body::None, [401, 200, 200, 200, 200, 403, 401]),
    row("POST", "/api/v1/users/me/ws-keys/challenge",         Body::None, [401, 201, 201, 201, 201, 403, 401]),
    // A wrong current password is 403, not 401: a client told 401 would sign its user out.
    row("POST", "/api/v1/users/me/password",                  Body::Json(r#"{"current_password":"not the password at all","new_password":"another correct horse battery 43!"}"#), [401, 403, 403, 403, 403, 403, 401]),
    // Status changes are privilege changes: administrators with a second factor only.
    row("PUT",  "/api/v1/users/{owner_id}/status",            Body::Json(r#"{"status":"banned"}"#), [401, 403, 403, 403, 403, 403, 401]),
    row("POST", "/api/v1/users/{owner_id}/disable",           Body::None, [401, 403, 403, 403, 403, 403, 401]),
    // Credentials: API keys are never made with an API key.
    row("GET",  "/api/v1/api-keys",                           Body::None, [401, 200, 200, 200, 200, 403, 401]),
    row("POST", "/api/v1/api-keys",                           Body::Json(r#"{"name":"matrix","scopes":["bounty:read"]}"#), [401, 201, 201, 201, 201, 403, 401]),
    // Administration.
    // Policy management needs a second factor, which the admin column has not passed.
    row("POST", "/api/v1/policies/validate",                  Body::Json(r#"{"sources":[{"name":"empty.cedar","text":""}]}"#), [401, 403, 403, 403, 403, 403, 401]),
    row("GET",  "/api/v1/audit",                              Body::None, [401, 403, 403, 403, 200, 403, 401]),
];

/// The objects the table's placeholders name.
struct Objects(HashMap<&'static str, String>);

impl Objects {
    fn path(&self, template: &str) -> String {
        let mut path = template.to_owned();
        for (name, value) in &self.0 {
            path = path.replace(&format!("{{{name}}}"), value);
        }
        assert!(!path.contains('{'), "unfilled placeholder in {template}");
        path
    }
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

/// An administrator who passed a second factor (privilege changes need one) disables
/// `account` through the public API; the gateway then refuses its token within seconds.
async fn disable(platform: &Platform, account: &Account, suffix: &str) {
    let root = accounts::mfa_admin(platform, &format!("root{suffix}")).await;
    accounts::set_status(platform, &root, &account.id, "disabled").await;
    let refused = accounts::until_me_answers(platform, &account.token, 401).await;
    assert_eq!(refused["code"], "token_revoked", "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_table_says() {
    // Hundreds of requests from one address: the rate limits are not what this test is about.
    let platform = platform::start_with(|gateway| gateway.rate_limit.enabled = false).await;
    let suffix = &uuid::Uuid::now_v7().simple().to_string()[24..];
    let owner = platform.sign_up(&format!("owner{suffix}")).await;
    let other = platform.sign_up(&format!("other{suffix}")).await;
    let mut analyst = platform.sign_up(&format!("analyst{suffix}")).await;
    let mut admin = platform.sign_up(&format!("admin{suffix}")).await;
    let disabled = platform.sign_up(&format!("disabled{suffix}")).await;
    promote(&platform, &mut analyst, "analyst").await;
    promote(&platform, &mut admin, "admin").await;
    let key = api_key(&platform, &owner, &["bounty:read"]).await;

    let (private, private_analysis) = upload(
        &platform,
        &owner,
        format!("private matrix sample {suffix}").into_bytes(),
        SampleVisibility::Private,
    )
    .await;
    let (public, public_analysis) = upload(
        &platform,
        &owner,
        format!("public matrix sample {suffix}").into_bytes(),
        SampleVisibility::Public,
    )
    .await;
    let analysis = platform.api.analysis();
    let hunt = analysis
        .create_retrohunt(
            &CallContext::bearer(&owner.token),
            &CreateRetrohunt {
                source: "rule r { condition: false }".into(),
                ruleset_id: None,
            },
        )
        .await
        .unwrap();
    let ruleset = analysis
        .create_ruleset(
            &CallContext::bearer(&analyst.token),
            &CreateRuleset {
                name: format!("analyst_{suffix}"),
                source: "rule r { condition: false }".into(),
            },
        )
        .await
        .unwrap();
    disable(&platform, &disabled, suffix).await;

    let objects = Objects(HashMap::from([
        ("private", private),
        ("public", public),
        ("private_analysis", private_analysis),
        ("public_analysis", public_analysis),
        ("hunt", hunt.id.to_string()),
        ("owner_id", owner.id.clone()),
        ("ruleset", ruleset.id.to_string()),
    ]));
    let authorization = |who: Who| -> Option<String> {
        match who {
            Who::Guest => None,
            Who::Owner => Some(format!("Bearer {}", owner.token)),
            Who::Other => Some(format!("Bearer {}", other.token)),
            Who::Analyst => Some(format!("Bearer {}", analyst.token)),
            Who::Admin => Some(format!("Bearer {}", admin.token)),
            Who::Key => Some(key.clone()),
            Who::Disabled => Some(format!("Bearer {}", disabled.token)),
        }
    };

    let mut disagreements = Vec::new();
    let mut cells = 0;
    for row in TABLE {
        let path = objects.path(row.path);
        for (column, who) in CALLERS.iter().enumerate() {
            let mut request = platform.http.request(
                Method::from_bytes(row.method.as_bytes()).unwrap(),
                platform.url(&path),
            );
            if let Some(value) = authorization(*who) {
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
                Body::Json(text) => request
                    .header("content-type", "application/json")
                    .body(text.replace("{who}", &format!("{who:?}").to_lowercase())),
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
}
