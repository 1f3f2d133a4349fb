//! Preferences: defaults, changes, security kinds that cannot be turned off, and the consumers
//! honouring them.

use nexus_proto::report::VerdictHint;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, analysis, earnings, sha};

fn kind<'a>(preferences: &'a Value, name: &str) -> &'a Value {
    preferences["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == name)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preferences_change_per_kind_but_security_cannot_be_turned_off() {
    let app = TestApp::spawn().await;
    let alice = Uuid::now_v7();
    let (status, defaults) = app.get("/v1/notifications/preferences", alice).await;
    assert_eq!(status, StatusCode::OK, "{defaults}");
    assert_eq!(defaults["kinds"].as_array().unwrap().len(), 13);
    assert_eq!(kind(&defaults, "account.security")["mandatory"], true);
    assert_eq!(kind(&defaults, "bounty.resolved")["email"], true);
    assert_eq!(kind(&defaults, "file.verdict_changed")["email"], false);

    for (body, code) in [
        (
            json!({"kinds": [{"kind": "account.security", "in_app": true, "email": false, "webhook": true, "digest": false}]}),
            "notification_kind_mandatory",
        ),
        (
            json!({"kinds": [{"kind": "webhook.disabled", "in_app": false, "email": true, "webhook": true, "digest": false}]}),
            "notification_kind_mandatory",
        ),
        (
            json!({"kinds": [{"kind": "bounty.nonsense", "in_app": true, "email": true, "webhook": true, "digest": false}]}),
            "unknown_notification_kind",
        ),
        (
            json!({"interests": {"artifact_kinds": ["ship"]}}),
            "invalid_interests",
        ),
        (
            json!({"interests": {"artifact_kinds": ["file"], "min_reward": "1e18"}}),
            "invalid_interests",
        ),
    ] {
        let (status, answer) = app.put("/v1/notifications/preferences", alice, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["code"], code);
    }
    // Nothing of a refused change was kept.
    let (_, unchanged) = app.get("/v1/notifications/preferences", alice).await;
    assert_eq!(unchanged, defaults);

    let (status, changed) = app
        .put(
            "/v1/notifications/preferences",
            alice,
            json!({
                "kinds": [
                    {"kind": "analysis.completed", "in_app": false, "email": true, "webhook": false, "digest": true},
                    {"kind": "account.security", "in_app": true, "email": true, "webhook": false, "digest": false}
                ],
                "follow_uploads": true,
                "interests": {"artifact_kinds": ["file", "url"], "min_reward": "1000"}
            }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    let analysis_kind = kind(&changed, "analysis.completed");
    assert_eq!(
        (
            &analysis_kind["in_app"],
            &analysis_kind["email"],
            &analysis_kind["digest"]
        ),
        (&json!(false), &json!(true), &json!(true))
    );
    assert_eq!(kind(&changed, "account.security")["webhook"], false);
    assert_eq!(changed["follow_uploads"], true);
    assert_eq!(changed["interests"]["min_reward"], "1000");
    // A kind left out keeps its choice.
    assert_eq!(
        kind(&changed, "bounty.resolved"),
        kind(&defaults, "bounty.resolved")
    );

    // The consumer honours it: Alice's analysis is not in her inbox but queued for her digest;
    // her earnings notice (default: inbox and mail) is in both.
    app.publish(&analysis(alice, &sha(9), VerdictHint::Benign))
        .await;
    app.publish(&earnings(alice, "BountyResolved")).await;
    let claimable = app
        .wait_for(alice, |n| n["kind"] == "reward.claimable")
        .await;
    let pool = &app.context.database.pool;
    crate::helpers::wait_until("the digest item", || async {
        let items: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM notification.email_digest_items WHERE user_id = $1",
        )
        .bind(alice)
        .fetch_one(pool)
        .await
        .unwrap();
        (items == 1).then_some(())
    })
    .await;
    assert!(
        app.inbox(alice)
            .await
            .iter()
            .all(|n| n["kind"] != "analysis.completed")
    );
    let mails: i64 =
        sqlx::query_scalar("SELECT count(*) FROM notification.email_messages WHERE notice_id = $1")
            .bind(claimable["id"].as_str().unwrap().parse::<Uuid>().unwrap())
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(mails, 1);

    // Another user's preferences are their own.
    let (_, bob) = app
        .get("/v1/notifications/preferences", Uuid::now_v7())
        .await;
    assert_eq!(bob, defaults);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounty_opening_reaches_only_the_analysts_it_interests() {
    let app = TestApp::spawn().await;
    let (files, rich, urls) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (user, interests) in [
        (files, json!({"artifact_kinds": ["file"]})),
        (
            rich,
            json!({"artifact_kinds": ["file"], "min_reward": "9000000000000000000"}),
        ),
        (urls, json!({"artifact_kinds": ["url"]})),
    ] {
        let (status, _) = app
            .put(
                "/v1/notifications/preferences",
                user,
                json!({"interests": interests}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    use nexus_proto::bounty::BountyStatus;
    let opened = crate::helpers::bounty_update(
        Uuid::now_v7(),
        &sha(3),
        "BountyOpened",
        (BountyStatus::Pending, BountyStatus::Open),
        None,
    );
    app.publish(&opened).await;
    let notice = app.wait_for(files, |n| n["kind"] == "bounty.opened").await;
    assert_eq!(notice["data"]["reward"], "5000000000000000000");
    // A later event on the same stream, so the opening was handled for everyone before it.
    let marker = earnings(urls, "RewardClaimed");
    app.publish(&marker).await;
    app.wait_for(urls, |n| n["kind"] == "reward.claimed").await;
    assert!(app.inbox(rich).await.is_empty(), "below the minimum reward");
    assert!(
        app.inbox(urls)
            .await
            .iter()
            .all(|n| n["kind"] != "bounty.opened")
    );
    app.stop().await;
}
