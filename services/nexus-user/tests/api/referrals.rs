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
    assert_eq!(
        store.complete_referral(bob, None).await.unwrap(),
        Some(ada_id.parse().unwrap())
    );
    assert_eq!(store.complete_referral(bob, None).await.unwrap(), None);
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

/// `POST /internal/v1/referrals/{user_id}/complete`, as nexus-reputation calls it through the
/// typed client: completes once, a replay answers `false`; a signed-in user (even the referrer)
/// or a caller without the service token is refused and completes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_internal_route_completes_a_referral_once_and_refuses_other_callers() {
    use nexus_testkit::nexus_client::CallContext;

    let app = TestApp::spawn().await;
    let ada = app.register("ada").await;
    let bob = app
        .register_with(RegisterRequest {
            email: "bob@example.org".into(),
            username: "bob".into(),
            password: STRONG_PASSWORD.into(),
            referral_code: Some(ada.referral_code.clone()),
        })
        .await;
    let ada_id = ada.public.user_id.to_string();
    let path = format!("/internal/v1/referrals/{}/complete", bob.public.user_id);

    // Other callers (a client without the service token): anonymous, and the referrer's own
    // bearer token.
    let ada_token = app.token(&ada_id, &["user"]);
    let outsider = reqwest::Client::new();
    for token in [None, Some(ada_token.as_str())] {
        let mut request = outsider.post(app.url(&path)).json(&json!({}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let status = request.send().await.unwrap().status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}");
    }
    let (_, list) = app
        .call_as(&ada_token, Method::GET, "/v1/users/me/referrals", None)
        .await;
    assert_eq!(list["referrals"][0]["status"], "pending");

    let users = app.service.client.users();
    let first = users
        .complete_referral(&CallContext::none(), bob.public.user_id)
        .await
        .unwrap();
    assert!(first.completed);
    assert_eq!(first.referrer_id, Some(ada.public.user_id));
    let again = users
        .complete_referral(&CallContext::none(), bob.public.user_id)
        .await
        .unwrap();
    assert!(!again.completed);
    assert_eq!(again.referrer_id, None);
    let (_, list) = app
        .call_as(&ada_token, Method::GET, "/v1/users/me/referrals", None)
        .await;
    assert_eq!(list["referrals"][0]["status"], "completed");
    let completed = app
        .outbox_events()
        .await
        .into_iter()
        .filter(|name| name == "ReferralCompleted")
        .count();
    assert_eq!(completed, 1);
}
