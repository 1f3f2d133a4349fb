//! The e-mail channel against a real SMTP server (maildev, [`MailSink`]): a queued notice
//! arrives with text and HTML parts, hostile values escaped and a working unsubscribe link; an
//! SMTP server that is down and then up gets the mail once; the per-recipient limit defers; a
//! permanent refusal counts a bounce. Time is the settings' manual clock, waits are polls with
//! deadlines. nexus-user is a stand-in serving the recipient's address (a third party here).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::Utc;
use nexus_notification::NotificationService;
use nexus_notification::domain::notice::{Notice, NoticeKind};
use nexus_notification::email::settings::SmtpSecurity;
use nexus_notification::settings::NotificationSettings;
use nexus_notification::store::Store;
use nexus_notification::webhooks::clock::{ClockHandle, ManualClock};
use nexus_testkit::{TestContext, TestService};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{MailSink, SECRET, free_port, wait_until};

/// The stand-in nexus-user: every account's address is `<id>@example.test`; every reset's
/// token is `token-for-<reset id>`.
fn serve_users() -> (String, actix_web::dev::ServerHandle) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let server = HttpServer::new(|| {
        App::new()
            .route(
                "/internal/v1/users/{id}",
                web::get().to(|path: web::Path<Uuid>| async move {
                    let id = path.into_inner();
                    HttpResponse::Ok().json(json!({
                        "user_id": id, "username": "someone",
                        "email": format!("{id}@example.test"),
                        "roles": ["user"], "status": "active"
                    }))
                }),
            )
            .route(
                "/internal/v1/password-resets/{reset_id}/token",
                web::post().to(|path: web::Path<String>| async move {
                    HttpResponse::Ok().json(json!({
                        "token": format!("token-for-{}", path.into_inner()),
                        "expires_at": Utc::now() + chrono::TimeDelta::minutes(30),
                    }))
                }),
            )
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    tokio::spawn(server);
    (format!("http://{address}"), handle)
}

struct EmailApp {
    service: TestService,
    store: Store,
    clock: Arc<ManualClock>,
    _context: TestContext,
    _users: actix_web::dev::ServerHandle,
}

/// The service mailing through SMTP on `smtp_port`, driven by a manual clock a minute ahead.
async fn spawn(smtp_port: u16, tune: impl FnOnce(&mut NotificationSettings)) -> EmailApp {
    let context = TestContext::new().await.expect("test context");
    let (users_url, users) = serve_users();
    let clock = Arc::new(ManualClock::at(Utc::now() + chrono::TimeDelta::minutes(1)));
    let mut settings = context.settings::<NotificationSettings>();
    settings.service.unsubscribe_secret = SecretString::from(SECRET);
    let email = &mut settings.service.email;
    email.smtp_port = smtp_port;
    email.security = SmtpSecurity::Plain;
    email.user_url = users_url;
    email.timeout = Duration::from_secs(5);
    email.poll_interval = Duration::from_millis(20);
    email.jitter = 0.0;
    email.clock = ClockHandle(clock.clone());
    tune(&mut settings.service);
    let pool = sqlx::PgPool::connect(settings.runtime.database.url.expose_secret())
        .await
        .expect("test database");
    let store = Store::new(pool).expect("store");
    let service = context
        .spawn_with::<NotificationService>(settings)
        .await
        .expect("service starts");
    EmailApp {
        service,
        store,
        clock,
        _context: context,
        _users: users,
    }
}

fn notice(user_id: Uuid, title: &str) -> Notice {
    Notice {
        id: Uuid::now_v7(),
        user_id,
        kind: NoticeKind::BountyResolved,
        title: title.to_owned(),
        body: "Your bounty <b>resolved</b> & paid \"out\".".to_owned(),
        link: Some("/bounties/42".to_owned()),
        data: json!({}),
        source_event: Uuid::now_v7(),
        occurred_at: Utc::now(),
    }
}

/// The queue row of `notice` (status, attempts, last_error).
async fn row(store: &Store, notice: &Notice) -> (String, i32, Option<String>) {
    sqlx::query_as::<_, (String, i32, Option<String>)>(
        "SELECT status, attempts, last_error FROM notification.email_messages WHERE notice_id = $1",
    )
    .bind(notice.id)
    .fetch_one(store.pool())
    .await
    .expect("the mail's row")
}

fn text_part(mail: &Value) -> &str {
    mail["text"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_arrives_with_text_and_html_escaped_values_and_a_working_unsubscribe_link() {
    let sink = MailSink::start().await;
    let app = spawn(sink.smtp_port, |_| {}).await;
    let user = Uuid::now_v7();
    let hostile = "Bounty <script>alert(1)</script> & \"won\"";
    let queued = notice(user, hostile);
    app.store.queue_email(&queued, false).await.unwrap();

    let mails = sink.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail["subject"], format!("[Nexus Security] {hostile}"));
    assert_eq!(mail["to"][0]["address"], format!("{user}@example.test"));
    let text = text_part(mail);
    assert!(text.contains(hostile), "{text}");
    let html = mail["html"].as_str().unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(
        html.contains("Bounty &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;won&quot;"),
        "{html}"
    );
    assert!(
        html.contains("Your bounty &lt;b&gt;resolved&lt;/b&gt;"),
        "{html}"
    );
    let list_unsubscribe = mail["headers"]["list-unsubscribe"]
        .as_str()
        .unwrap_or_default();
    assert!(
        list_unsubscribe.contains("/v1/notifications/unsubscribe?token="),
        "{}",
        mail["headers"]
    );

    // The unsubscribe link works without signing in: it turns bounty.resolved e-mail off.
    let link = text
        .lines()
        .find_map(|line| line.strip_prefix("Stop these e-mails: "))
        .expect("an unsubscribe line")
        .trim();
    let path = &link[link
        .find("/v1/notifications/unsubscribe")
        .expect("the route")..];
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{}{path}", app.service.base_url()))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(row(&app.store, &queued).await.0, "sent");
    app.service.running.shutdown().await;
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_then_up_is_retried_and_delivered_once() {
    let port = free_port();
    let app = spawn(port, |settings| {
        settings.email.retry_base = Duration::from_secs(60);
    })
    .await;
    let user = Uuid::now_v7();
    let queued = notice(user, "Retried");
    app.store.queue_email(&queued, false).await.unwrap();
    let (status, attempts, error) = wait_until("a failed attempt", || async {
        let row = row(&app.store, &queued).await;
        (row.1 >= 1).then_some(row)
    })
    .await;
    assert_eq!((status.as_str(), attempts), ("queued", 1));
    assert!(error.unwrap().contains("transient"));

    let sink = MailSink::start_on(Some(port)).await;
    // Not due yet: the retry waits a minute of the service's clock.
    app.clock.advance(Duration::from_secs(61));
    let mails = sink.wait_for(1).await;
    wait_until("the sent mark", || async {
        (row(&app.store, &queued).await.0 == "sent").then_some(())
    })
    .await;
    app.clock.advance(Duration::from_secs(3600));
    // Several more passes run over the sent row; it is never sent again.
    wait_until("later passes", || async {
        let depth: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM notification.email_messages WHERE status <> 'sent'",
        )
        .fetch_one(app.store.pool())
        .await
        .ok()?;
        (depth == 0).then_some(())
    })
    .await;
    assert_eq!(mails.len(), 1);
    assert_eq!(sink.emails().await.len(), 1);
    assert_eq!(row(&app.store, &queued).await.1, 2);
    app.service.running.shutdown().await;
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recipient_limit_defers_the_second_mail_to_the_next_hour() {
    let sink = MailSink::start().await;
    let app = spawn(sink.smtp_port, |settings| {
        settings.email.per_recipient_per_hour = 1;
    })
    .await;
    let user = Uuid::now_v7();
    let first = notice(user, "First");
    app.store.queue_email(&first, false).await.unwrap();
    sink.wait_for(1).await;
    let second = notice(user, "Second");
    app.store.queue_email(&second, false).await.unwrap();
    let (status, attempts, error) = wait_until("the deferral", || async {
        let row = row(&app.store, &second).await;
        row.2.is_some().then_some(row)
    })
    .await;
    assert_eq!((status.as_str(), attempts), ("queued", 0));
    assert!(error.unwrap().starts_with("deferred"));
    assert_eq!(sink.emails().await.len(), 1);

    app.clock.advance(Duration::from_secs(3600 + 5));
    let mails = sink.wait_for(2).await;
    assert_eq!(mails[1]["subject"], "[Nexus Security] Second");
    app.service.running.shutdown().await;
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_refusal_is_a_bounce_and_repeated_bounces_suppress_the_address() {
    // maildev demanding authentication answers MAIL FROM with a 5xx: a permanent refusal.
    let port = free_port();
    let web = free_port();
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/mailsink");
    let mut child = tokio::process::Command::new("node")
        .arg(format!("{root}/node_modules/.bin/maildev"))
        .args(["--smtp", &port.to_string(), "--web", &web.to_string()])
        .args(["--ip", "127.0.0.1", "--silent"])
        .args(["--incoming-user", "someone", "--incoming-pass", "secret"])
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    wait_until("maildev", || async {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()
    })
    .await;
    let app = spawn(port, |settings| settings.email.max_bounces = 2).await;
    let user = Uuid::now_v7();
    let address = format!("{user}@example.test");
    let mut notices = Vec::new();
    for n in 0..3 {
        let queued = notice(user, &format!("Bounce {n}"));
        app.store.queue_email(&queued, false).await.unwrap();
        let (status, _, error) = wait_until("the outcome", || async {
            let row = row(&app.store, &queued).await;
            (row.0 != "queued" && row.0 != "sending").then_some(row)
        })
        .await;
        notices.push((status, error.unwrap_or_default()));
    }
    assert_eq!(notices[0].0, "bounced", "{:?}", notices[0]);
    assert_eq!(notices[1].0, "bounced", "{:?}", notices[1]);
    assert_eq!(notices[2].0, "failed");
    assert!(notices[2].1.contains("suppressed"), "{:?}", notices[2]);
    let (bounces, suppressed): (i32, bool) = sqlx::query_as(
        "SELECT bounces, suppressed_at IS NOT NULL FROM notification.email_addresses WHERE address = $1",
    )
    .bind(&address)
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!((bounces, suppressed), (2, true));
    app.service.running.shutdown().await;
    let _ = child.kill().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn digest_notices_wait_for_the_daily_digest_and_go_out_as_one_mail() {
    use nexus_notification::webhooks::clock::Clock;

    let sink = MailSink::start().await;
    let app = spawn(sink.smtp_port, |settings| {
        settings.email.digest_hour_utc = 8
    })
    .await;
    let user = Uuid::now_v7();
    for title in ["Digest one", "Digest <two>", "Digest three"] {
        app.store
            .queue_email(&notice(user, title), true)
            .await
            .unwrap();
    }
    // To just after the next 08:00 UTC of the service's clock: the digest of everything before.
    let now = app.clock.now();
    let next =
        nexus_notification::email::digest::latest_digest_time(now, 8) + chrono::TimeDelta::days(1);
    app.clock.advance(
        (next - now + chrono::TimeDelta::minutes(1))
            .to_std()
            .unwrap(),
    );

    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(
        mail["subject"],
        "[Nexus Security] Your daily digest: 3 notices"
    );
    let text = text_part(mail);
    for title in ["Digest one", "Digest <two>", "Digest three"] {
        assert!(text.contains(title), "{text}");
    }
    let html = mail["html"].as_str().unwrap();
    assert!(html.contains("Digest &lt;two&gt;"), "{html}");
    wait_until("the digest's sent mark", || async {
        let statuses: Vec<String> =
            sqlx::query_scalar("SELECT status FROM notification.email_messages WHERE user_id = $1")
                .bind(user)
                .fetch_all(app.store.pool())
                .await
                .ok()?;
        (statuses == ["sent"]).then_some(())
    })
    .await;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notification.email_digest_items WHERE digest_id IS NULL",
    )
    .fetch_one(app.store.pool())
    .await
    .unwrap();
    assert_eq!(waiting, 0);
    assert_eq!(sink.emails().await.len(), 1);
    app.service.running.shutdown().await;
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_reset_request_is_mailed_with_its_token_link_once() {
    use nexus_bus::{Bus, BusSettings};
    use nexus_proto::Envelope;
    use nexus_proto::user::PasswordResetRequested;

    let sink = MailSink::start().await;
    let app = spawn(sink.smtp_port, |settings| {
        settings.public_url = "https://nexus.example".to_owned();
    })
    .await;
    let bus = Bus::connect(
        &app._context.redis_url,
        app._context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap();
    let user = Uuid::now_v7();
    let envelope = Envelope::new(PasswordResetRequested {
        reset_id: "reset-abc_DEF".to_owned(),
        user_id: nexus_core::UserId::from_uuid(user),
        email: "reset.me@example.test".to_owned(),
        expires_at: Utc::now() + chrono::TimeDelta::minutes(30),
    });
    bus.publish(&envelope).await.unwrap();
    // The same event again (a redelivery): still one mail.
    bus.publish(&envelope).await.unwrap();

    let mails = sink.wait_for(1).await;
    let mail = &mails[0];
    assert_eq!(mail["subject"], "[Nexus Security] Reset your password");
    assert_eq!(mail["to"][0]["address"], "reset.me@example.test");
    let text = text_part(mail);
    assert!(
        text.contains("https://nexus.example/reset-password?token=token-for-reset-abc_DEF"),
        "{text}"
    );
    wait_until("the reset mail's sent mark", || async {
        let status: String = sqlx::query_scalar(
            "SELECT status FROM notification.email_messages WHERE reset_id = 'reset-abc_DEF'",
        )
        .fetch_one(app.store.pool())
        .await
        .ok()?;
        (status == "sent").then_some(())
    })
    .await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM notification.email_messages")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
    assert_eq!(sink.emails().await.len(), 1);
    app.service.running.shutdown().await;
    sink.stop().await;
}

/// A burst of 200 notices for 200 users: every mail arrives exactly once (by Message-ID). The
/// time it took is printed as a measurement, not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_mails_arrives_each_exactly_once() {
    let sink = MailSink::start().await;
    let app = spawn(sink.smtp_port, |settings| settings.email.batch = 32).await;
    let started = std::time::Instant::now();
    for n in 0..200 {
        app.store
            .queue_email(&notice(Uuid::now_v7(), &format!("Burst {n}")), false)
            .await
            .unwrap();
    }
    let mails = sink.wait_for(200).await;
    eprintln!(
        "200 mails queued and delivered to maildev in {:?}",
        started.elapsed()
    );
    let mut ids: Vec<String> = mails
        .iter()
        .map(|mail| mail["messageId"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "duplicate or missing Message-IDs");
    app.service.running.shutdown().await;
    sink.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_security_notice_has_no_unsubscribe_link_because_it_cannot_be_turned_off() {
    let sink = MailSink::start().await;
    let app = spawn(sink.smtp_port, |_| {}).await;
    let security = Notice {
        kind: NoticeKind::Security,
        ..notice(Uuid::now_v7(), "New sign-in from 203.0.113.9")
    };
    app.store.queue_email(&security, false).await.unwrap();
    let mails = sink.wait_for(1).await;
    let text = text_part(&mails[0]);
    assert!(text.contains("cannot be turned off"), "{text}");
    assert!(!text.contains("unsubscribe"), "{text}");
    assert!(
        mails[0]["headers"]["list-unsubscribe"].is_null(),
        "{}",
        mails[0]["headers"]
    );
    app.service.running.shutdown().await;
    sink.stop().await;
}
