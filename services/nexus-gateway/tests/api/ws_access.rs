//! WebSocket topics authorized through the policies and the owning services, the cap on
//! subscriptions per connection, and sessions closed when their token expires or their token or
//! key is revoked.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Utc;
use ed25519_dalek::SigningKey;
use nexus_core::hex::encode as hex;
use nexus_gateway::settings::GatewaySettings;
use nexus_proto::Envelope;
use nexus_runtime::Settings;
use nexus_runtime::revocation::{RevocationReason, Revoked, publish};
use nexus_testkit::{TestContext, TestService};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{Upstream, gateway, settings};
use crate::ws::{Socket, bounty_event, connect, live_bus, next, register, send, signed, ws_url};

/// The owning services' side of object reads: which bearer token may read which path.
#[derive(Default)]
struct Owners {
    /// `/v1/bounties/8` → the tokens allowed to read it.
    readers: Mutex<HashMap<String, Vec<String>>>,
    /// Requests received.
    asked: AtomicUsize,
}

async fn read_object(request: HttpRequest, owners: web::Data<Owners>) -> HttpResponse {
    owners.asked.fetch_add(1, Ordering::SeqCst);
    let token = request
        .headers()
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    let allowed = owners
        .readers
        .lock()
        .unwrap()
        .get(request.path())
        .is_some_and(|tokens| tokens.iter().any(|allowed| allowed == token));
    if allowed {
        HttpResponse::Ok().json(json!({"id": request.path()}))
    } else {
        HttpResponse::NotFound()
            .json(json!({"code": "not_found", "message": "no such object", "request_id": "x"}))
    }
}

/// Starts the owning services' stand-in; returns its URL and state.
fn start_owners() -> (String, Arc<Owners>) {
    let owners = Arc::new(Owners::default());
    let data = web::Data::from(owners.clone());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/v1/bounties/{id}", web::get().to(read_object))
            .route("/v1/analyses/{id}", web::get().to(read_object))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    (url, owners)
}

struct Hub {
    context: TestContext,
    upstream: Upstream,
    owners: Arc<Owners>,
    service: TestService,
}

async fn start(configure: impl FnOnce(&mut Settings<GatewaySettings>)) -> Hub {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let (owners_url, owners) = start_owners();
    let mut settings = settings(&context, &upstream.url);
    for name in ["bounty", "analysis"] {
        settings
            .service
            .upstreams
            .insert(name.to_owned(), url::Url::parse(&owners_url).unwrap());
    }
    configure(&mut settings);
    let service = gateway(&context, settings).await;
    Hub {
        context,
        upstream,
        owners,
        service,
    }
}

impl Hub {
    fn allow(&self, path: &str, token: &str) {
        self.owners
            .readers
            .lock()
            .unwrap()
            .entry(path.to_owned())
            .or_default()
            .push(token.to_owned());
    }

    /// A socket signed in with `token` (from the upgrade request).
    async fn signed_in(&self, token: &str) -> Socket {
        let mut socket = connect(&self.service, Some(token)).await;
        assert_eq!(next(&mut socket).await.unwrap()["type"], "auth_success");
        socket
    }

    /// A socket signed in with a registered Ed25519 key of `role`.
    async fn signed_in_with_key(&self, seed: u8, role: &str) -> (Socket, SigningKey, uuid::Uuid) {
        let key = SigningKey::from_bytes(&[seed; 32]);
        let owner = uuid::Uuid::now_v7();
        register(&self.upstream, &key, owner, role);
        let mut socket = connect(&self.service, None).await;
        assert_eq!(next(&mut socket).await.unwrap()["type"], "auth_required");
        let nonce = format!("access-nonce-{}", uuid::Uuid::now_v7().simple());
        send(&mut socket, signed(&key, Utc::now().timestamp(), &nonce)).await;
        assert_eq!(next(&mut socket).await.unwrap()["type"], "auth_success");
        (socket, key, owner)
    }
}

/// Subscribes and returns the answer's type, or the error code.
async fn subscribe(socket: &mut Socket, topic: &str) -> String {
    send(socket, json!({"type": "subscribe", "topic": topic})).await;
    let answer = next(socket).await.unwrap();
    if answer["type"] == "subscribed" {
        assert_eq!(answer["topic"], topic);
        "subscribed".to_owned()
    } else {
        answer["code"].as_str().unwrap().to_owned()
    }
}

/// Reads until the server closes; returns the last error code seen and the close code.
async fn closed(socket: &mut Socket) -> (Option<String>, Option<u16>) {
    let mut last_error = None;
    loop {
        match next(socket).await {
            Ok(message) if message["type"] == "error" => {
                last_error = message["code"].as_str().map(str::to_owned);
            }
            Ok(_) => {}
            Err(code) => return (last_error, code),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_object_topics_need_the_right_to_read_the_object() {
    let hub = start(|_| {}).await;
    let owner = hub.context.access_token("u-owner", &["user"]);
    let stranger = hub.context.access_token("u-stranger", &["user"]);
    let analyst = hub.context.access_token("u-analyst", &["analyst"]);
    let admin = hub.context.access_token("u-admin", &["admin"]);
    hub.allow("/v1/bounties/8", &owner);
    hub.allow("/v1/analyses/a-8", &owner);

    let mut socket = hub.signed_in(&stranger).await;
    assert_eq!(subscribe(&mut socket, "bounty:8").await, "topic_forbidden");
    assert_eq!(
        subscribe(&mut socket, "analysis:a-8").await,
        "topic_forbidden"
    );
    let mut socket = hub.signed_in(&owner).await;
    assert_eq!(subscribe(&mut socket, "bounty:8").await, "subscribed");
    assert_eq!(subscribe(&mut socket, "analysis:a-8").await, "subscribed");
    let asked = hub.owners.asked.load(Ordering::SeqCst);
    assert_eq!(asked, 4, "users are decided by the owning service");

    // The policies alone admit those who may read any bounty (analysts) or anything (admins).
    let mut socket = hub.signed_in(&analyst).await;
    assert_eq!(subscribe(&mut socket, "bounty:8").await, "subscribed");
    let mut socket = hub.signed_in(&admin).await;
    assert_eq!(subscribe(&mut socket, "analysis:a-8").await, "subscribed");
    assert_eq!(hub.owners.asked.load(Ordering::SeqCst), asked);

    // A key session has no token to ask with: only what its role may read of anyone's.
    let (mut user_key, _, _) = hub.signed_in_with_key(61, "user").await;
    assert_eq!(
        subscribe(&mut user_key, "bounty:8").await,
        "topic_forbidden"
    );
    let (mut analyst_key, _, _) = hub.signed_in_with_key(62, "analyst").await;
    assert_eq!(subscribe(&mut analyst_key, "bounty:8").await, "subscribed");
    // Inboxes stay private to their recipient, administrators included.
    let mut socket = hub.signed_in(&admin).await;
    assert_eq!(
        subscribe(&mut socket, "user:u-owner").await,
        "topic_forbidden"
    );
    assert_eq!(subscribe(&mut socket, "user").await, "subscribed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owning_service_that_cannot_answer_admits_nobody() {
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hub = start(|settings| {
        let down = url::Url::parse(&format!("http://127.0.0.1:{closed_port}")).unwrap();
        settings
            .service
            .upstreams
            .insert("analysis".to_owned(), down);
    })
    .await;
    let user = hub.context.access_token("u-1", &["user"]);
    let mut socket = hub.signed_in(&user).await;
    assert_eq!(
        subscribe(&mut socket, "analysis:a-1").await,
        "topic_unavailable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bounties_feed_carries_private_bounties_only_to_those_who_may_read_them() {
    let hub = start(|_| {}).await;
    let user = hub.context.access_token("u-user", &["user"]);
    let analyst = hub.context.access_token("u-analyst", &["analyst"]);
    let mut user_socket = hub.signed_in(&user).await;
    let mut analyst_socket = hub.signed_in(&analyst).await;
    assert_eq!(subscribe(&mut user_socket, "bounties").await, "subscribed");
    assert_eq!(
        subscribe(&mut analyst_socket, "bounties").await,
        "subscribed"
    );

    let bus = live_bus(&hub.context).await;
    let private = Envelope {
        id: uuid::Uuid::now_v7(),
        name: "BountyOpened".into(),
        version: 1,
        occurred_at: Utc::now(),
        traceparent: None,
        payload: json!({"bounty_id": 2}),
    };
    bus.publish_raw("nexus:bounty:events:v1", &private)
        .await
        .unwrap();
    bus.publish_raw("nexus:bounty:events:v1", &bounty_event(3, 0))
        .await
        .unwrap();

    let first = next(&mut analyst_socket).await.unwrap();
    assert_eq!(
        (
            first["topic"].as_str(),
            first["event"]["payload"]["bounty_id"].as_u64()
        ),
        (Some("bounties"), Some(2))
    );
    let second = next(&mut analyst_socket).await.unwrap();
    assert_eq!(second["event"]["payload"]["bounty_id"], 3);
    let only = next(&mut user_socket).await.unwrap();
    assert_eq!(
        (
            only["topic"].as_str(),
            only["event"]["payload"]["bounty_id"].as_u64()
        ),
        (Some("bounties"), Some(3)),
        "the private bounty's event never reached a plain user"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_holds_at_most_the_configured_subscriptions() {
    let hub = start(|settings| settings.service.ws.max_subscriptions = 2).await;
    let token = hub.context.access_token("u-cap", &["user"]);
    let mut socket = hub.signed_in(&token).await;
    assert_eq!(subscribe(&mut socket, "bounties").await, "subscribed");
    assert_eq!(subscribe(&mut socket, "leaderboard").await, "subscribed");
    assert_eq!(
        subscribe(&mut socket, "bounties").await,
        "subscribed",
        "a repeat does not count"
    );

    send(&mut socket, json!({"type": "subscribe", "topic": "user"})).await;
    let refused = next(&mut socket).await.unwrap();
    assert_eq!(refused["code"], "too_many_subscriptions");
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains('2') && message.contains("unsubscribe"),
        "{message}"
    );

    send(
        &mut socket,
        json!({"type": "unsubscribe", "topic": "leaderboard"}),
    )
    .await;
    assert_eq!(next(&mut socket).await.unwrap()["type"], "unsubscribed");
    assert_eq!(subscribe(&mut socket, "user").await, "subscribed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_is_closed_with_4002_when_its_token_expires() {
    let hub = start(|_| {}).await;
    let mut claims = hub.context.claims("u-expiring", &["user"]);
    claims.exp = Utc::now().timestamp().unsigned_abs() + 2;
    let token = hub.context.sign(&claims);
    let mut socket = hub.signed_in(&token).await;
    assert_eq!(subscribe(&mut socket, "bounties").await, "subscribed");

    let (code, close) = closed(&mut socket).await;
    assert_eq!(code.as_deref(), Some("session_expired"));
    assert_eq!(close, Some(4002));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_closed_with_4003_when_their_account_is_revoked() {
    let hub = start(|_| {}).await;
    let token = hub.context.access_token("u-disabled", &["user"]);
    let mut token_socket = hub.signed_in(&token).await;
    let bystander = hub.context.access_token("u-bystander", &["user"]);
    let mut bystander_socket = hub.signed_in(&bystander).await;
    let (mut key_socket, _, key_owner) = hub.signed_in_with_key(63, "analyst").await;

    let bus = live_bus(&hub.context).await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    publish(
        &bus,
        &Revoked::account_now("u-disabled", RevocationReason::AccountDisabled),
    )
    .await
    .unwrap();
    publish(
        &bus,
        &Revoked::account_now(key_owner.to_string(), RevocationReason::RoleChanged),
    )
    .await
    .unwrap();

    for socket in [&mut token_socket, &mut key_socket] {
        let (code, close) = closed(socket).await;
        assert_eq!(code.as_deref(), Some("session_revoked"));
        assert_eq!(close, Some(4003));
    }
    send(&mut bystander_socket, json!({"type": "ping"})).await;
    assert_eq!(
        next(&mut bystander_socket).await.unwrap()["type"],
        "pong",
        "other accounts' sessions stay open"
    );

    // The revoked token cannot open a new session either.
    let mut request = ws_url(&hub.service).into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("a revoked token was not refused before the upgrade: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_session_is_closed_when_its_key_is_revoked_or_no_longer_known() {
    let hub = start(|settings| {
        settings.service.ws.key_recheck_interval = Duration::from_millis(300);
    })
    .await;

    // Announced by the user service.
    let (mut announced, key, owner) = hub.signed_in_with_key(64, "analyst").await;
    let revoked = Envelope {
        id: uuid::Uuid::now_v7(),
        name: "Ed25519KeyRevoked".into(),
        version: 1,
        occurred_at: Utc::now(),
        traceparent: None,
        payload: json!({
            "key_id": uuid::Uuid::now_v7(),
            "user_id": owner,
            "public_key_hex": hex(key.verifying_key().as_bytes()),
        }),
    };
    live_bus(&hub.context)
        .await
        .publish_raw(nexus_proto::user::WS_KEYS_STREAM, &revoked)
        .await
        .unwrap();
    let (code, close) = closed(&mut announced).await;
    assert_eq!(
        (code.as_deref(), close),
        (Some("session_revoked"), Some(4003))
    );

    // Not announced (pub/sub lost it, or the account was disabled): the re-check finds it gone.
    let (mut unannounced, key, _) = hub.signed_in_with_key(65, "analyst").await;
    hub.upstream
        .state
        .ws_keys
        .lock()
        .unwrap()
        .remove(&hex(key.verifying_key().as_bytes()));
    let (code, close) = closed(&mut unannounced).await;
    assert_eq!(
        (code.as_deref(), close),
        (Some("session_revoked"), Some(4003))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_requests_per_connection_are_limited_so_refusals_cannot_flood_the_owners() {
    let hub = start(|settings| settings.service.ws.subscribes_per_minute = 3).await;
    let token = hub.context.access_token("u-prober", &["user"]);
    let mut socket = hub.signed_in(&token).await;
    for id in 1..=3 {
        assert_eq!(
            subscribe(&mut socket, &format!("bounty:{id}")).await,
            "topic_forbidden"
        );
    }
    send(
        &mut socket,
        json!({"type": "subscribe", "topic": "bounty:4"}),
    )
    .await;
    let refused = next(&mut socket).await.unwrap();
    assert_eq!(refused["code"], "subscribe_rate_limited");
    assert!(refused["message"].as_str().unwrap().contains("retry in"));
    assert_eq!(
        hub.owners.asked.load(Ordering::SeqCst),
        3,
        "the refused request cost the owning service nothing"
    );
}
