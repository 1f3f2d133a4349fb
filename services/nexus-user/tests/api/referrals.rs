//! Referral codes at registration, `GET /v1/users/me/referrals`, and completion.

use reqwest::{Method, StatusCode};
use serde_json::json;

use nexus_proto::user::RegisterRequest;

use crate::helpers::{STRONG_PASSWORD, TestApp};
use nexus_user::store::Store;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registering_with_a_code_records_a_pending_referral_that_can_complete() {
    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let ada_id = ada.public.user_id.to_string();
    let ada_id = ada_id.as_str();
    let code = ada.referral_code.as_str();

    let bob = app
        .register_with(RegisterRequest {
            email: "bob@example.org".into(),
            username: "bob".into(),
            password: STRONG_PASSWORD.into(),
            referral_code: Some(format!(" {} ", code.to_lowercase())),
        })
        .await;
    let bob_id = bob.public.user_id.to_string();
    let bob_id = bob_id.as_str();
    assert_ne!(bob.referral_code, ada.referral_code);

    let ada_token = app.token(ada_id, &["user"]);
    let (status, list) = app
        .call_as(&ada_token, Method::GET, "/v1/users/me/referrals", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["referral_code"], code);
    assert_eq!(list["referrals"].as_array().unwrap().len(), 1);
    assert_eq!(list["referrals"][0]["referred_user_id"], bob_id);
    assert_eq!(list["referrals"][0]["referred_username"], "bob");
    assert_eq!(list["referrals"][0]["status"], "pending");
    let events = app.outbox_events().await;
    assert_eq!(
        events,
        vec!["UserRegistered", "ReferralRecorded", "UserRegistered"]
    );

    // What the future event consumer will call; a replay is a no-op.
    let store = Store::new(app.pool().await).unwrap();
    let bob = bob_id.parse::<nexus_core::UserId>().unwrap();
    assert!(store.complete_referral(bob, None).await.unwrap());
    assert!(!store.complete_referral(bob, None).await.unwrap());
    let (_, list) = app
        .call_as(&ada_token, Method::GET, "/v1/users/me/referrals", None)
        .await;
    assert_eq!(list["referrals"][0]["status"], "completed");
    assert!(list["referrals"][0]["completed_at"].is_string());
    assert_eq!(
        app.outbox_events().await.last().map(String::as_str),
        Some("ReferralCompleted")
    );

    // Bob referred nobody.
    let bob_token = app.token(bob_id, &["user"]);
    let (_, bobs) = app
        .call_as(&bob_token, Method::GET, "/v1/users/me/referrals", None)
        .await;
    assert_eq!(bobs["referrals"], json!([]));
}
