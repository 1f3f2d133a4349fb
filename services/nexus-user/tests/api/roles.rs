//! `PUT /v1/users/{id}/role`: decided by Cedar (`user:change_role`): administrators with a
//! second factor, never on themselves.

use nexus_core::Role;
use nexus_proto::user::ChangeRoleRequest;
use nexus_testkit::nexus_client::CallContext;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_changes_another_users_role_and_the_change_is_recorded() {
    let app = TestApp::spawn().await;
    let (admin_id, _) = app.signed_up("root").await;
    let admin_token = app.admin_mfa_token(&admin_id);
    let (ada, _) = app.signed_up("ada").await;

    let users = app.service.client.users();
    let ada = ada.parse().unwrap();
    let summary = users
        .change_role(
            &CallContext::bearer(&admin_token),
            ada,
            &ChangeRoleRequest {
                role: "analyst".into(),
            },
        )
        .await
        .unwrap();

    assert_eq!(summary.roles, [Role::Analyst]);
    let looked_up = users.get_account(&CallContext::none(), ada).await.unwrap();
    assert_eq!(looked_up.roles, [Role::Analyst]);
    assert!(
        app.outbox_events()
            .await
            .contains(&"UserRoleChanged".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_cannot_change_roles_and_admins_cannot_change_their_own() {
    let app = TestApp::spawn().await;
    let (admin_id, _) = app.signed_up("root").await;
    let admin_token = app.admin_mfa_token(&admin_id);
    let admin_without_mfa = app.token(&admin_id, &["admin"]);
    let (ada, ada_token) = app.signed_up("ada").await;
    let (bob, _) = app.signed_up("bob").await;

    let cases = [
        (
            &ada_token,
            bob.as_str(),
            json!({"role": "admin"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &ada_token,
            ada.as_str(),
            json!({"role": "admin"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &admin_without_mfa,
            bob.as_str(),
            json!({"role": "analyst"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &admin_token,
            admin_id.as_str(),
            json!({"role": "user"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &admin_token,
            bob.as_str(),
            json!({"role": "guest"}),
            StatusCode::BAD_REQUEST,
            "invalid_role",
        ),
        (
            &admin_token,
            bob.as_str(),
            json!({"role": "root"}),
            StatusCode::BAD_REQUEST,
            "invalid_role",
        ),
        (
            &admin_token,
            "0190a0a0-0000-7000-8000-000000000000",
            json!({"role": "analyst"}),
            StatusCode::NOT_FOUND,
            "user_not_found",
        ),
    ];
    for (token, target, body, status, code) in cases {
        let (actual, error) = app
            .call_as(
                token,
                Method::PUT,
                &format!("/v1/users/{target}/role"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (actual, error["code"].as_str()),
            (status, Some(code)),
            "{target} {body}"
        );
    }
    let bob_now = app
        .service
        .client
        .users()
        .get_account(&CallContext::none(), bob.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(bob_now.roles, [Role::User]);
    assert!(
        !app.outbox_events()
            .await
            .contains(&"UserRoleChanged".to_owned())
    );
}
