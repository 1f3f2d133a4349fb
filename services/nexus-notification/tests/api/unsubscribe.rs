//! Unsubscribe links: valid ones turn one kind's e-mail off without signing in; expired, tampered
//! and security-kind links are refused.

use chrono::{Duration, Utc};
use nexus_notification::domain::notice::NoticeKind;
use nexus_notification::domain::unsubscribe::{token_for, unsubscribe_link};
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_link_turns_one_kinds_mail_off_until_it_expires() {
    let app = TestApp::spawn().await;
    let alice = Uuid::now_v7();
    let link = unsubscribe_link(&app.settings, alice, NoticeKind::BountyResolved, Utc::now());
    let path = link.strip_prefix("https://nexus.example").unwrap();

    let (status, body) = app.call(Method::GET, path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["kind"], "bounty.resolved");
    // Twice is harmless; POST (one-click) works the same.
    let (status, _) = app.call(Method::POST, path, None, None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, preferences) = app.get("/v1/notifications/preferences", alice).await;
    let kinds = preferences["kinds"].as_array().unwrap();
    let kind = |name: &str| kinds.iter().find(|k| k["kind"] == name).unwrap().clone();
    assert_eq!(kind("bounty.resolved")["email"], false);
    assert_eq!(kind("bounty.resolved")["in_app"], true);
    assert_eq!(
        kind("reward.claimable")["email"],
        true,
        "only the named kind"
    );

    let ttl = Duration::from_std(app.settings.unsubscribe_ttl).unwrap();
    let old = token_for(
        &app.settings,
        alice,
        NoticeKind::RewardClaimable,
        Utc::now() - ttl - Duration::seconds(1),
    );
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/v1/notifications/unsubscribe?token={old}"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::GONE, Some("unsubscribe_token_expired"))
    );

    let valid = token_for(
        &app.settings,
        alice,
        NoticeKind::RewardClaimable,
        Utc::now(),
    );
    let (claim, tag) = valid.split_once('.').unwrap();
    let forged = token_for(
        &app.settings,
        Uuid::now_v7(),
        NoticeKind::RewardClaimable,
        Utc::now(),
    );
    let (forged_claim, _) = forged.split_once('.').unwrap();
    let mut flipped = tag.to_owned().into_bytes();
    flipped[0] = if flipped[0] == b'A' { b'B' } else { b'A' };
    for token in [
        format!("{forged_claim}.{tag}"),
        format!("{claim}.{}", String::from_utf8(flipped).unwrap()),
        "garbage".to_owned(),
    ] {
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/v1/notifications/unsubscribe?token={token}"),
                None,
                None,
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("unsubscribe_token_invalid")),
            "{token}"
        );
    }
    let security = token_for(&app.settings, alice, NoticeKind::Security, Utc::now());
    let (status, body) = app
        .call(
            Method::GET,
            &format!("/v1/notifications/unsubscribe?token={security}"),
            None,
            None,
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("notification_kind_mandatory"))
    );
    // Nothing else changed.
    let (_, after) = app.get("/v1/notifications/preferences", alice).await;
    assert_eq!(
        after["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == "reward.claimable")
            .unwrap()["email"],
        true
    );
    app.stop().await;
}
