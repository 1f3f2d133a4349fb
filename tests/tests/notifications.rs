//! Notifications end to end (issue 18's proof), through the gateway against the real platform:
//! a member turns e-mail on for finished analyses and registers a webhook endpoint (a real HTTP
//! receiver this test starts), uploads a file and posts a bounty on it; the analysis completes
//! and the bounty ends (no analyst answered: the chain closes it `invalid`, status `expired`,
//! which the creator hears of as a `bounty.resolved` notice). The member
//! must then see both notices in the inbox and live on its WebSocket topic (`user:{id}`), find
//! both e-mails in a real SMTP server (MailDev), and the receiver must have both webhooks, each
//! signature verified by the Standard Webhooks reference library from PyPI (not our code),
//! every message once under its own `webhook-id`.
//!
//! Waits are polls with deadlines on what the platform shows; the chain's clock is moved, never
//! waited for.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use nexus_notification::email::settings::SmtpSecurity;
use nexus_testkit::chain::NXS;
use nexus_testkit::mail_sink::MailSink;
use nexus_testkit::webhook_receiver::{WebhookReceiver, verify_with_standard_webhooks};
use reqwest::Method;
use serde_json::{Value, json};

#[path = "support/platform.rs"]
mod platform;

#[path = "support/accounts.rs"]
mod accounts;

#[path = "support/market.rs"]
mod market;

#[path = "support/feed.rs"]
mod feed;

use accounts::call;
use feed::Feed;

/// Longest wait for something the platform must show.
const STEP: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysis_and_a_resolved_bounty_reach_the_inbox_the_socket_the_mailbox_and_a_webhook() {
    let sink = MailSink::start().await;
    let receiver = WebhookReceiver::start(200).await;
    let (smtp_port, hook_port) = (sink.smtp_port, receiver.port);
    let platform = platform::start_market_notifying(move |notification| {
        notification.email.enabled = true;
        notification.email.smtp_host = "127.0.0.1".to_owned();
        notification.email.smtp_port = smtp_port;
        notification.email.security = SmtpSecurity::Plain;
        notification.email.poll_interval = Duration::from_millis(100);
        notification.webhooks.allowed_ports = vec![hook_port];
        notification.webhooks.poll_interval = Duration::from_millis(100);
    })
    .await;
    let member = platform.sign_up("notified").await;
    let member = market::member(&platform, member, 1_000 * NXS).await;
    let token = member.token().to_owned();

    // E-mail for finished analyses too (bounty resolutions mail by default); a webhook for both.
    let (status, answer) = call(
        &platform,
        Method::PUT,
        "/api/v1/notifications/preferences",
        Some(&token),
        Some(json!({"kinds": [{"kind": "analysis.completed", "in_app": true, "email": true, "webhook": true, "digest": false}]})),
    )
    .await;
    assert_eq!(status, 200, "preferences: {answer}");
    let (status, created) = call(
        &platform,
        Method::POST,
        "/api/v1/webhooks/endpoints",
        Some(&token),
        Some(json!({
            "url": receiver.url(),
            "description": "SOC intake",
            "event_types": ["analysis.completed", "bounty.resolved"],
        })),
    )
    .await;
    assert_eq!(status, 201, "endpoint: {created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");

    let mut feed = Feed::connect(&platform, &token).await;
    feed.subscribe(&format!("user:{}", member.account.id)).await;

    // The analysis: its notice live on the socket.
    let sample = format!("notified sample {}", uuid::Uuid::now_v7()).into_bytes();
    let (status, uploaded) = market::raw_upload(&platform, &token, sample).await;
    assert_eq!(status, 202, "upload: {uploaded}");
    let sha256 = uploaded["sha256"].as_str().unwrap().to_owned();
    let analysed = feed
        .until("the analysis notice on user:{id}", |message| {
            notice_of(message, "analysis.completed")
        })
        .await;
    assert_eq!(
        analysed["event"]["payload"]["notice"]["data"]["sha256"], sha256,
        "{analysed}"
    );

    // The bounty, posted and left unanswered: closed `invalid` (expired) once the windows are over.
    let id = market::post_bounty(&platform, &member, &sha256, 10 * NXS, true).await;
    let opened =
        market::until_bounty(&platform, &member, &id, "open", |b| b["status"] == "open").await;
    market::advance_past(
        &platform.market().chain,
        market::opened_deadline(&opened, "reveal_deadline"),
    )
    .await;
    market::action(
        &platform,
        &member,
        &format!("/api/v1/bounties/{id}/resolve"),
        json!({}),
    )
    .await;
    market::until_bounty(&platform, &member, &id, "expired", |b| {
        b["status"] == "expired"
    })
    .await;
    let resolved = feed
        .until("the resolution notice on user:{id}", |message| {
            notice_of(message, "bounty.resolved")
        })
        .await;
    assert!(
        resolved["event"]["payload"]["notice"]["title"]
            .as_str()
            .unwrap()
            .contains("invalid"),
        "{resolved}"
    );

    // The inbox holds both, unread.
    let (status, inbox) = call(
        &platform,
        Method::GET,
        "/api/v1/notifications?unread=true",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200, "{inbox}");
    let kinds: Vec<&str> = inbox["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|notice| notice["kind"].as_str())
        .collect();
    for kind in ["analysis.completed", "bounty.resolved"] {
        assert!(kinds.contains(&kind), "{kind} not in the inbox: {inbox}");
    }

    // Both e-mails, to the member, in the real SMTP server.
    let mails = sink.wait_for(2).await;
    let to_member: Vec<&Value> = mails
        .iter()
        .filter(|mail| mail["to"].to_string().contains("notified@nexus.test"))
        .collect();
    assert_eq!(to_member.len(), 2, "{mails:#?}");
    let subjects: Vec<String> = to_member
        .iter()
        .map(|mail| mail["subject"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        subjects.iter().any(|subject| subject.contains("Analysis")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|subject| subject.contains("bounty")),
        "{subjects:?}"
    );

    // Both webhooks, each once under its own id, signed as the reference library checks.
    let deadline = Instant::now() + STEP;
    while receiver.count() < 2 {
        assert!(
            Instant::now() < deadline,
            "webhooks received: {}",
            receiver.count()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let requests = receiver.requests();
    let verdicts = verify_with_standard_webhooks(&secret, &requests, false);
    assert!(
        verdicts.iter().all(|verdict| verdict == "ok"),
        "{verdicts:?}"
    );
    let mut ids: Vec<&str> = requests
        .iter()
        .map(|request| request.headers["webhook-id"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids.len(),
        requests.len(),
        "a webhook-id delivered twice: {ids:?}"
    );
    let types: Vec<String> = requests
        .iter()
        .map(|request| {
            serde_json::from_str::<Value>(&request.body).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    for kind in ["analysis.completed", "bounty.resolved"] {
        assert!(
            types.iter().any(|t| t == kind),
            "{kind} not delivered: {types:?}"
        );
    }
    // A tampered body fails the same library check: the verification is not vacuous.
    let mut forged = requests[0].clone();
    forged.body = forged.body.replace("\"type\"", "\"typo\"");
    assert_ne!(
        verify_with_standard_webhooks(&secret, &[forged], false),
        vec!["ok"]
    );
}

/// Whether `message` is a `NoticeCreated` event of `kind`.
fn notice_of(message: &Value, kind: &str) -> bool {
    message["event"]["name"] == "NoticeCreated"
        && message["event"]["payload"]["notice"]["kind"] == kind
}
