//! `/v1/authorize`, policy validation and publication.

use nexus_proto::auth::{PoliciesRequest, PolicySourceBody};
use nexus_testkit::nexus_client::CallContext;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestAuth, expect, spawn_auth};

fn bounty_update(caller: &str, owner: &str, banned: bool) -> Value {
    json!({
        "principal": {"type": "user", "id": caller, "role": "user", "is_banned": banned},
        "action": "bounty:update",
        "resource": {"type": "bounty", "id": "b1", "owner": owner, "status": "open", "is_public": true},
        "context": {"mfa": false},
    })
}

fn bounty_create(caller: &str) -> Value {
    json!({
        "principal": {"type": "user", "id": caller, "role": "user"},
        "action": "bounty:create",
        "resource": {"type": "bounty", "id": "new", "owner": caller, "status": "open", "is_public": true},
    })
}

async fn decide(auth: &TestAuth, token: &str, question: &Value) -> Value {
    expect(
        auth.post("/v1/authorize", Some(token), question).await,
        StatusCode::OK,
        None,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_answers_with_the_deciding_policies_and_audits_denials() {
    let auth = spawn_auth(|_| {}).await;
    // Administrators may ask about any principal.
    let (admin_id, token) = auth.user_token(&["admin"]);

    let own = decide(&auth, &token, &bounty_update("alice", "alice", false)).await;
    assert_eq!(own["allowed"], true, "{own}");
    assert_eq!(
        own["determining_policies"],
        json!(["bounty-manage-own-open"])
    );
    assert_eq!(own["policy_version"], 1);

    let other = decide(&auth, &token, &bounty_update("alice", "bob", false)).await;
    assert_eq!(other["allowed"], false);
    assert_eq!(other["determining_policies"], json!([]));

    let banned = decide(&auth, &token, &bounty_update("alice", "alice", true)).await;
    assert_eq!(banned["allowed"], false);
    assert_eq!(banned["determining_policies"], json!(["banned-read-only"]));

    let guest = decide(
        &auth,
        &token,
        &json!({"principal": {"type": "guest"}, "action": "bounty:list", "resource": {"type": "platform"}}),
    )
    .await;
    assert_eq!(guest["allowed"], true);

    let mismatch = decide(
        &auth,
        &token,
        &json!({"principal": {"type": "guest"}, "action": "bounty:read", "resource": {"type": "platform"}}),
    )
    .await;
    assert_eq!(mismatch["allowed"], false);
    assert_eq!(mismatch["errors"][0]["code"], "action_resource_mismatch");

    let unknown_action = auth
        .post(
            "/v1/authorize",
            Some(&token),
            &json!({"principal": {"type": "guest"}, "action": "bounty:steal", "resource": {"type": "platform"}}),
        )
        .await;
    expect(
        unknown_action,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("invalid_request_body"),
    )
    .await;
    let anonymous = auth
        .post("/v1/authorize", None, &bounty_update("a", "a", false))
        .await;
    expect(anonymous, StatusCode::UNAUTHORIZED, Some("token_missing")).await;

    let denials = auth.audit_rows("authorization_denied").await;
    assert_eq!(denials.len(), 3, "{denials:?}");
    let banned_row = denials
        .iter()
        .find(|row| row.2["determining_policies"] == json!(["banned-read-only"]))
        .unwrap();
    // The actor is who asked (from the token); the principal asked about is a detail.
    assert_eq!(banned_row.0.as_deref(), Some(admin_id.to_string().as_str()));
    assert_eq!(banned_row.2["principal"], "alice");
    assert_eq!(banned_row.1.as_deref(), Some("Bounty::\"b1\""));
    assert_eq!(banned_row.2["action"], "bounty:update");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_cannot_ask_or_write_audit_rows_in_another_principals_name() {
    let auth = spawn_auth(|_| {}).await;
    let (user_id, token) = auth.user_token(&["user"]);
    let me = user_id.to_string();

    for forged in [
        bounty_update("alice", "bob", false),
        // Itself, but with a role its token does not carry.
        json!({
            "principal": {"type": "user", "id": me, "role": "admin"},
            "action": "bounty:update",
            "resource": {"type": "bounty", "id": "b1", "owner": "bob", "status": "open", "is_public": true},
        }),
    ] {
        expect(
            auth.post("/v1/authorize", Some(&token), &forged).await,
            StatusCode::FORBIDDEN,
            Some("principal_mismatch"),
        )
        .await;
    }
    assert!(auth.audit_rows("authorization_denied").await.is_empty());

    // About itself, exactly as its token says: answered and audited under its own id.
    let own = decide(&auth, &token, &bounty_update(&me, "bob", false)).await;
    assert_eq!(own["allowed"], false);
    let rows = auth.audit_rows("authorization_denied").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0.as_deref(), Some(me.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_reports_each_problem_with_its_line_and_column() {
    let auth = spawn_auth(|_| {}).await;
    let (_, admin) = auth.admin_mfa_token();

    let unknown_attribute = "// comment\n@id(\"odd\")\npermit (principal, action == Action::\"bounty:read\", resource is Bounty)\nwhen { resource.colour == \"red\" };\n";
    let answer = expect(
        auth.post(
            "/v1/policies/validate",
            Some(&admin),
            &json!({"sources": [{"name": "odd.cedar", "text": unknown_attribute}]}),
        )
        .await,
        StatusCode::OK,
        None,
    )
    .await;
    assert_eq!(answer["valid"], false, "{answer}");
    let problem = &answer["errors"][0];
    assert_eq!(problem["code"], "policy_validation_failed");
    assert_eq!(problem["source_name"], "odd.cedar");
    assert_eq!(problem["policy_id"], "odd");
    assert_eq!(problem["line"], 4, "{problem}");
    assert!(problem["column"].as_u64().unwrap() >= 8, "{problem}");

    let syntax = "@id(\"broken\")\npermit (principal, action,, resource);\n";
    let answer = expect(
        auth.post(
            "/v1/policies/validate",
            Some(&admin),
            &json!({"sources": [{"name": "broken.cedar", "text": syntax}]}),
        )
        .await,
        StatusCode::OK,
        None,
    )
    .await;
    assert_eq!(answer["valid"], false);
    assert_eq!(answer["errors"][0]["code"], "policy_parse_failed");
    assert_eq!(answer["errors"][0]["line"], 2, "{answer}");
    assert!(answer["errors"][0]["column"].is_u64(), "{answer}");

    let shipped: Vec<Value> = nexus_policy_sources();
    let answer = expect(
        auth.post(
            "/v1/policies/validate",
            Some(&admin),
            &json!({"sources": shipped}),
        )
        .await,
        StatusCode::OK,
        None,
    )
    .await;
    assert_eq!(answer["valid"], true, "{answer}");
    assert_eq!(answer["digest"].as_str().unwrap().len(), 64);

    // Only administrators with a second factor may manage policies.
    let (_, user) = auth.user_token(&["user"]);
    let body = json!({"sources": [{"name": "a.cedar", "text": syntax}]});
    expect(
        auth.post("/v1/policies/validate", Some(&user), &body).await,
        StatusCode::FORBIDDEN,
        Some("permission_denied"),
    )
    .await;
    let (_, admin_without_mfa) = auth.user_token(&["admin"]);
    expect(
        auth.post("/v1/policies/validate", Some(&admin_without_mfa), &body)
            .await,
        StatusCode::FORBIDDEN,
        Some("mfa_required"),
    )
    .await;
}

fn nexus_policy_sources() -> Vec<Value> {
    // The shipped set, as the active-policies endpoint returns it.
    nexus_policy::PolicySource::shipped()
        .into_iter()
        .map(|source| json!({"name": source.name, "text": source.text}))
        .collect()
}

/// The shipped set, in the wire type.
fn shipped_sources() -> Vec<PolicySourceBody> {
    nexus_policy::PolicySource::shipped()
        .into_iter()
        .map(|source| PolicySourceBody {
            name: source.name.to_string(),
            text: source.text.to_string(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_makes_a_new_version_in_force_with_an_outbox_event_and_an_audit_row() {
    let auth = spawn_auth(|_| {}).await;
    let (admin_id, admin) = auth.admin_mfa_token();
    let (user_id, user) = auth.user_token(&["user"]);
    let carol = user_id.to_string();

    let api = auth.api();
    let active = api.active_policies(&CallContext::none()).await.unwrap();
    assert_eq!(active.version, 1);
    assert_eq!(active.sources.len(), shipped_sources().len());
    assert_eq!(
        decide(&auth, &user, &bounty_create(&carol)).await["allowed"],
        true
    );

    let mut sources = shipped_sources();
    sources.push(PolicySourceBody {
        name: "freeze.cedar".into(),
        text: "@id(\"freeze-bounty-creation\")\nforbid (principal, action == Action::\"bounty:create\", resource);\n".into(),
    });
    let published = api
        .publish_policies(
            &CallContext::bearer(&admin),
            &PoliciesRequest {
                sources: sources.clone(),
                comment: Some("incident 42".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(published.version, 2);

    let frozen = decide(&auth, &user, &bounty_create(&carol)).await;
    assert_eq!(frozen["allowed"], false);
    assert_eq!(
        frozen["determining_policies"],
        json!(["freeze-bounty-creation"])
    );
    assert_eq!(frozen["policy_version"], 2);

    let active = api.active_policies(&CallContext::none()).await.unwrap();
    assert_eq!(active.version, 2);
    assert_eq!(active.digest, published.digest);
    assert!(active.sources.iter().any(|s| s.name == "freeze.cedar"));

    let events: Vec<(String, Value)> =
        sqlx::query!("SELECT stream, envelope FROM auth.outbox ORDER BY created_at")
            .fetch_all(&auth.ctx.database.pool)
            .await
            .unwrap()
            .into_iter()
            .map(|row| (row.stream, row.envelope))
            .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].0, "nexus:auth:policies:v1");
    assert_eq!(events[0].1["name"], "PoliciesPublished");
    assert_eq!(events[0].1["payload"]["version"], 2);
    assert_eq!(events[0].1["payload"]["digest"], published.digest.as_str());

    let rows = auth.audit_rows("policies_published").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0.as_deref(), Some(admin_id.to_string().as_str()));
    assert_eq!(rows[0].2["version"], 2);
    assert_eq!(rows[0].2["comment"], "incident 42");

    // An invalid set is refused whole; the version does not move.
    let refused = auth
        .post(
            "/v1/policies",
            Some(&admin),
            &json!({"sources": [{"name": "bad.cedar", "text": "@id(\"x\") permit(principal, action == Action::\"nope\", resource);"}]}),
        )
        .await;
    expect(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("policy_validation_failed"),
    )
    .await;
    let active = api.active_policies(&CallContext::none()).await.unwrap();
    assert_eq!(active.version, 2);
    let user_publish = auth
        .post("/v1/policies", Some(&user), &json!({"sources": sources}))
        .await;
    expect(
        user_publish,
        StatusCode::FORBIDDEN,
        Some("permission_denied"),
    )
    .await;
}
