//! `GET /v1/audit` and the `AuthorizationDenied` consumer.

use std::time::Duration;

use nexus_bus::{Bus, BusSettings};
use nexus_proto::auth::AuthorizationDenied;
use nexus_proto::{Envelope, Event};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{expect, spawn_auth};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denials_published_by_other_services_land_in_the_audit_log_once() {
    let auth = spawn_auth(|_| {}).await;
    let (_, admin) = auth.admin_mfa_token();
    let bus = Bus::connect(
        &auth.ctx.redis_url,
        auth.ctx.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap();
    let envelope = Envelope::new(AuthorizationDenied {
        principal: "mallory".into(),
        action: "file:download".into(),
        resource: "File::\"abc\"".into(),
        determining_policies: vec![],
        service: "nexus-gateway".into(),
        ip: Some("192.0.2.7".into()),
        request_id: Some("req-1".into()),
    });
    // Published twice (an outbox relay may do that): one row.
    bus.publish(&envelope).await.unwrap();
    bus.publish(&envelope).await.unwrap();

    let path = "/v1/audit?kind=authorization_denied";
    let mut page = Value::Null;
    for _ in 0..100 {
        page = expect(auth.get(path, Some(&admin)).await, StatusCode::OK, None).await;
        if !page["entries"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{page}");
    assert_eq!(entries[0]["id"], envelope.id.to_string());
    assert_eq!(entries[0]["actor"], "mallory");
    assert_eq!(entries[0]["subject"], "File::\"abc\"");
    assert_eq!(entries[0]["ip"], "192.0.2.7");
    assert_eq!(entries[0]["detail"]["service"], "nexus-gateway");
    assert_eq!(entries[0]["detail"]["action"], "file:download");
    // The second delivery is handled (acknowledged) without a second row.
    let mut pending = 1;
    for _ in 0..100 {
        pending = bus
            .pending_count(
                AuthorizationDenied::STREAM,
                nexus_auth::events::DENIAL_AUDIT_GROUP,
            )
            .await
            .unwrap_or(1);
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(pending, 0);
    let page = expect(auth.get(path, Some(&admin)).await, StatusCode::OK, None).await;
    assert_eq!(page["entries"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_read_the_audit_log_and_pages_are_bounded() {
    let auth = spawn_auth(|_| {}).await;
    let (_, user) = auth.user_token(&["analyst"]);
    expect(
        auth.get("/v1/audit", Some(&user)).await,
        StatusCode::FORBIDDEN,
        Some("permission_denied"),
    )
    .await;
    expect(
        auth.get("/v1/audit", None).await,
        StatusCode::UNAUTHORIZED,
        Some("token_missing"),
    )
    .await;
    let (_, admin) = auth.user_token(&["admin"]);
    // Reading the audit log does not need a second factor (publishing policies does).
    let page = expect(
        auth.get("/v1/audit?limit=5", Some(&admin)).await,
        StatusCode::OK,
        None,
    )
    .await;
    assert_eq!(page, json!({"entries": []}));
    expect(
        auth.get("/v1/audit?limit=0", Some(&admin)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("invalid_field"),
    )
    .await;
    expect(
        auth.get("/v1/audit?limit=201", Some(&admin)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("invalid_field"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_changes_announced_by_the_user_service_are_audited() {
    use nexus_proto::user::UserRoleChanged;

    let auth = spawn_auth(|_| {}).await;
    let (_, admin) = auth.user_token(&["admin"]);
    let bus = Bus::connect(
        &auth.ctx.redis_url,
        auth.ctx.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap();
    let user_id = uuid::Uuid::now_v7();
    let changed_by = uuid::Uuid::now_v7();
    let envelope = Envelope::new(UserRoleChanged {
        user_id: user_id.into(),
        previous_role: nexus_core::Role::User,
        new_role: nexus_core::Role::Analyst,
        changed_by: changed_by.into(),
    });
    bus.publish(&envelope).await.unwrap();

    let mut entries = Vec::new();
    for _ in 0..100 {
        let page = expect(
            auth.get("/v1/audit?kind=role_changed", Some(&admin)).await,
            StatusCode::OK,
            None,
        )
        .await;
        entries = page["entries"].as_array().unwrap().clone();
        if !entries.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["id"], envelope.id.to_string());
    assert_eq!(entries[0]["actor"], changed_by.to_string());
    assert_eq!(entries[0]["subject"], user_id.to_string());
    assert_eq!(
        entries[0]["detail"],
        json!({"previous_role": "user", "new_role": "analyst"})
    );
}
