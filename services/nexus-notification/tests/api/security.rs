//! nexus-auth's `AccountSecurityEvent` → the owner's `account.security` notice (mandatory), and
//! nexus-user's `ReferralCompleted` → the referrer's `referral.completed`; each envelope once.

use chrono::Utc;
use nexus_core::UserId;
use nexus_proto::Envelope;
use nexus_proto::auth::{AccountSecurityEvent, SecurityEventKind};
use nexus_proto::user::ReferralCompleted;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{TestApp, wait_until};

fn security(user: Uuid, kind: SecurityEventKind, ip: &str) -> Envelope<AccountSecurityEvent> {
    Envelope::new(AccountSecurityEvent {
        user_id: user,
        kind,
        ip: Some(ip.to_owned()),
        api_key_id: None,
        api_key_name: None,
        at: Utc::now(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_security_event_delivered_twice_makes_one_mandatory_notice_for_its_account_only() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());

    let sign_in = security(alice, SecurityEventKind::NewSignInAddress, "203.0.113.7");
    app.publish(&sign_in).await;
    app.publish(&sign_in).await;
    // The marker: once its notice is there, both copies before it were handled.
    app.publish(&security(
        alice,
        SecurityEventKind::MfaDisabled,
        "203.0.113.8",
    ))
    .await;

    let inbox = wait_until("the marker", || async {
        let inbox = app.inbox(alice).await;
        inbox
            .iter()
            .any(|n| n["data"]["kind"] == "mfa_disabled")
            .then_some(inbox)
    })
    .await;
    assert_eq!(inbox.len(), 2, "{inbox:#?}");
    let sign_ins: Vec<_> = inbox
        .iter()
        .filter(|n| n["data"]["kind"] == "new_sign_in_address")
        .collect();
    assert_eq!(sign_ins.len(), 1);
    assert_eq!(sign_ins[0]["kind"], "account.security");
    assert_eq!(sign_ins[0]["title"], "New sign-in from 203.0.113.7");
    assert_eq!(sign_ins[0]["data"]["ip"], "203.0.113.7");
    assert!(app.inbox(bob).await.is_empty());

    // The kind cannot be turned off, so every security notice reaches the inbox.
    let (status, answer) = app
        .put(
            "/v1/notifications/preferences",
            alice,
            serde_json::json!({"kinds": [{"kind": "account.security", "in_app": false, "email": true, "webhook": false, "digest": false}]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["code"], "notification_kind_mandatory");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_referral_tells_the_referrer_once() {
    let app = TestApp::spawn().await;
    let (referrer, referred) = (Uuid::now_v7(), Uuid::now_v7());
    let completed = Envelope::new(ReferralCompleted {
        referrer_id: UserId::from_uuid(referrer),
        referred_id: UserId::from_uuid(referred),
    });
    app.publish(&completed).await;
    app.publish(&completed).await;
    let marker = Envelope::new(ReferralCompleted {
        referrer_id: UserId::from_uuid(referrer),
        referred_id: UserId::from_uuid(Uuid::now_v7()),
    });
    app.publish(&marker).await;

    let inbox = wait_until("both referrals", || async {
        let inbox = app.inbox(referrer).await;
        inbox
            .iter()
            .any(|n| n["data"]["referred_id"] == marker.payload.referred_id.to_string())
            .then_some(inbox)
    })
    .await;
    assert_eq!(inbox.len(), 2, "{inbox:#?}");
    assert!(inbox.iter().all(|n| n["kind"] == "referral.completed"));
    assert!(app.inbox(referred).await.is_empty());
}
