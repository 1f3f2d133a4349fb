//! The WebSocket hub: both sign-in modes and their failures, topics and their authorization,
//! one Redis subscription per topic stream, fan-out, slow consumers, presence. The topic
//! authorization, subscription cap and session ends are in `ws_access`.

use std::time::Duration;

use chrono::Utc;
use ed25519_dalek::{Signer, SigningKey};
use futures_util::{SinkExt, StreamExt};
use nexus_bus::{Bus, BusSettings};
use nexus_core::hex::encode as hex;
use nexus_proto::Envelope;
use nexus_proto::user::WsKeyOwner;
use nexus_testkit::{TestContext, TestService};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::helpers::{Upstream, gateway, get, http, metric, settings};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub(crate) fn ws_url(service: &TestService) -> String {
    format!("{}/ws", service.base_url().replace("http://", "ws://"))
}

pub(crate) async fn connect(service: &TestService, token: Option<&str>) -> Socket {
    let mut request = ws_url(service).into_client_request().unwrap();
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.unwrap().0
}

/// The next JSON message; `None` when the server closed (with the close code).
pub(crate) async fn next(socket: &mut Socket) -> Result<Value, Option<u16>> {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("the server went silent");
        match frame {
            Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap()),
            Some(Ok(Message::Close(frame))) => return Err(frame.map(|f| u16::from(f.code))),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Err(None),
        }
    }
}

pub(crate) async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .unwrap();
}

pub(crate) fn signed(key: &SigningKey, timestamp: i64, nonce: &str) -> Value {
    let signature = key.sign(format!("{timestamp}:{nonce}").as_bytes());
    json!({"type": "auth", "data": {
        "public_key": hex(key.verifying_key().as_bytes()),
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": hex(&signature.to_bytes()),
    }})
}

pub(crate) fn register(upstream: &Upstream, key: &SigningKey, user_id: uuid::Uuid, role: &str) {
    upstream.state.ws_keys.lock().unwrap().insert(
        hex(key.verifying_key().as_bytes()),
        WsKeyOwner {
            key_id: uuid::Uuid::now_v7(),
            user_id: user_id.into(),
            roles: vec![role.to_owned()],
        },
    );
}

async fn setup() -> (TestContext, Upstream, TestService) {
    let context = TestContext::new().await.unwrap();
    let upstream = Upstream::start().await;
    let mut settings = settings(&context, &upstream.url);
    settings.service.ws.send_queue = 4;
    let service = gateway(&context, settings).await;
    (context, upstream, service)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwt_signs_in_from_the_upgrade_request_or_as_the_first_message() {
    let (context, _upstream, service) = setup().await;
    let token = context.access_token("u-ws-1", &["user"]);
    let mut socket = connect(&service, Some(&token)).await;
    let success = next(&mut socket).await.unwrap();
    assert_eq!(success["type"], "auth_success");
    assert_eq!(success["user_id"], "u-ws-1");
    assert!(success["session_id"].as_str().is_some());

    let mut socket = connect(&service, None).await;
    assert_eq!(
        next(&mut socket).await.unwrap(),
        json!({"type": "auth_required"})
    );
    send(
        &mut socket,
        json!({"type": "auth", "data": {"token": token}}),
    )
    .await;
    assert_eq!(next(&mut socket).await.unwrap()["type"], "auth_success");
    send(&mut socket, json!({"type": "ping"})).await;
    assert_eq!(next(&mut socket).await.unwrap(), json!({"type": "pong"}));

    let refused = tokio_tungstenite::connect_async({
        let mut request = ws_url(&service).into_client_request().unwrap();
        request
            .headers_mut()
            .insert("authorization", "Bearer not.a.token".parse().unwrap());
        request
    })
    .await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 401)
        }
        other => panic!("a bad token was not refused before the upgrade: {other:?}"),
    }

    let mut socket = connect(&service, None).await;
    next(&mut socket).await.unwrap();
    send(
        &mut socket,
        json!({"type": "auth", "data": {"token": "not.a.token"}}),
    )
    .await;
    let failed = next(&mut socket).await.unwrap();
    assert_eq!(failed["type"], "error");
    assert_eq!(failed["code"], "auth_failed");
    assert_eq!(next(&mut socket).await.unwrap_err(), Some(4001));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ed25519_challenge_signs_in_and_every_kind_of_forgery_fails() {
    let (_context, upstream, service) = setup().await;
    let key = SigningKey::from_bytes(&[41; 32]);
    let owner = uuid::Uuid::now_v7();
    register(&upstream, &key, owner, "analyst");
    let now = Utc::now().timestamp();

    let attempt = |message: Value| {
        let service = &service;
        async move {
            let mut socket = connect(service, None).await;
            assert_eq!(next(&mut socket).await.unwrap()["type"], "auth_required");
            send(&mut socket, message).await;
            let answer = next(&mut socket).await.unwrap();
            let closed = if answer["type"] == "error" {
                next(&mut socket).await.err()
            } else {
                None
            };
            (answer, closed)
        }
    };

    let good = signed(&key, now, "nonce-0000000000000001");
    let (answer, _) = attempt(good.clone()).await;
    assert_eq!(answer["type"], "auth_success", "{answer}");
    assert_eq!(answer["user_id"], owner.to_string());

    let (answer, closed) = attempt(good).await;
    assert_eq!(answer["code"], "auth_failed", "a replayed nonce: {answer}");
    assert!(answer["message"].as_str().unwrap().contains("nonce"));
    assert_eq!(closed, Some(Some(4001)));

    let (answer, _) = attempt(signed(&key, now - 120, "nonce-0000000000000002")).await;
    assert_eq!(answer["code"], "auth_failed", "a stale timestamp: {answer}");
    assert!(answer["message"].as_str().unwrap().contains("window"));

    let mut forged = signed(&key, now, "nonce-0000000000000003");
    forged["data"]["nonce"] = json!("nonce-0000000000000004");
    let (answer, _) = attempt(forged).await;
    assert_eq!(answer["code"], "auth_failed", "a bad signature: {answer}");
    assert!(answer["message"].as_str().unwrap().contains("signature"));

    let stranger = SigningKey::from_bytes(&[42; 32]);
    let (answer, _) = attempt(signed(&stranger, now, "nonce-0000000000000005")).await;
    assert_eq!(answer["code"], "unknown_key", "{answer}");

    let mut weak = signed(&key, now, "nonce-0000000000000006");
    let mut identity = [0u8; 32];
    identity[0] = 1;
    weak["data"]["public_key"] = json!(hex(&identity));
    let (answer, _) = attempt(weak).await;
    assert_eq!(answer["code"], "auth_failed", "a weak key: {answer}");
    assert!(answer["message"].as_str().unwrap().contains("public key"));

    assert!(
        metric(
            &service,
            "nexus_gateway_ws_auth_failures_total{reason=\"replayed_nonce\"}"
        )
        .await
            >= 1.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_does_not_sign_in_in_time_is_closed() {
    let (_context, _upstream, service) = setup().await;
    let mut socket = connect(&service, None).await;
    assert_eq!(next(&mut socket).await.unwrap()["type"], "auth_required");
    let timeout = next(&mut socket).await.unwrap();
    assert_eq!(timeout["code"], "auth_timeout");
    assert_eq!(next(&mut socket).await.unwrap_err(), Some(4001));
}

pub(crate) async fn live_bus(context: &TestContext) -> Bus {
    Bus::connect(
        &context.redis_url,
        context.redis_prefix.clone(),
        BusSettings::default(),
    )
    .await
    .unwrap()
}

pub(crate) fn bounty_event(bounty_id: u64, padding: usize) -> nexus_proto::event::RawEnvelope {
    Envelope {
        id: uuid::Uuid::now_v7(),
        name: "BountyOpened".into(),
        version: 1,
        occurred_at: Utc::now(),
        traceparent: None,
        payload: json!({"bounty_id": bounty_id, "is_public": true, "padding": "x".repeat(padding)}),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_authorized_and_fanned_out_from_one_redis_subscription() {
    let (context, _upstream, service) = setup().await;
    let mut sockets = Vec::new();
    for index in 0..3 {
        let token = context.access_token(&format!("u-{index}"), &["user"]);
        let mut socket = connect(&service, Some(&token)).await;
        next(&mut socket).await.unwrap();
        send(
            &mut socket,
            json!({"type": "subscribe", "topic": "bounties"}),
        )
        .await;
        assert_eq!(
            next(&mut socket).await.unwrap(),
            json!({"type": "subscribed", "topic": "bounties"})
        );
        sockets.push(socket);
    }
    assert_eq!(
        metric(&service, "nexus_gateway_ws_redis_subscriptions ").await,
        1.0,
        "three clients, one subscription"
    );

    send(
        &mut sockets[0],
        json!({"type": "subscribe", "topic": "user:u-1"}),
    )
    .await;
    assert_eq!(
        next(&mut sockets[0]).await.unwrap()["code"],
        "topic_forbidden"
    );
    send(
        &mut sockets[0],
        json!({"type": "subscribe", "topic": "admin:all"}),
    )
    .await;
    assert_eq!(
        next(&mut sockets[0]).await.unwrap()["code"],
        "topic_unknown"
    );

    live_bus(&context)
        .await
        .publish_raw("nexus:bounty:events:v1", &bounty_event(7, 0))
        .await
        .unwrap();
    for socket in &mut sockets {
        let event = next(socket).await.unwrap();
        assert_eq!(event["type"], "event");
        assert_eq!(event["topic"], "bounties");
        assert_eq!(event["event"]["payload"]["bounty_id"], 7);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_disconnected_with_close_code_4008() {
    let (context, _upstream, service) = setup().await;
    let token = context.access_token("u-slow", &["user"]);
    let mut socket = connect(&service, Some(&token)).await;
    next(&mut socket).await.unwrap();
    send(
        &mut socket,
        json!({"type": "subscribe", "topic": "bounties"}),
    )
    .await;
    next(&mut socket).await.unwrap();

    // The client stops reading; events of 256 KiB fill the socket buffers, then the queue.
    let bus = live_bus(&context).await;
    let mut published = 0;
    while metric(
        &service,
        "nexus_gateway_ws_dropped_total{reason=\"slow_consumer\"}",
    )
    .await
        < 1.0
    {
        for _ in 0..20 {
            bus.publish_raw("nexus:bounty:events:v1", &bounty_event(1, 256 * 1024))
                .await
                .unwrap();
        }
        published += 20;
        assert!(published < 2000, "the consumer was never dropped");
    }
    let close_code = loop {
        match next(&mut socket).await {
            Ok(_) => continue,
            Err(code) => break code,
        }
    };
    assert_eq!(close_code, Some(u16::from(CloseCode::from(4008))));
}

async fn presence(service: &TestService, token: &str) -> Vec<Value> {
    let response: Value = get(service, "/api/v1/presence", Some(token))
        .await
        .json()
        .await
        .unwrap();
    response["engines"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connected_engines_are_listed_by_every_instance_and_announced() {
    let (context, upstream, service) = setup().await;
    // A second gateway instance of the same fleet (same Redis, same prefix).
    let other = gateway(&context, settings(&context, &upstream.url)).await;
    let key = SigningKey::from_bytes(&[43; 32]);
    let owner = uuid::Uuid::now_v7();
    register(&upstream, &key, owner, "analyst");
    let mut socket = connect(&service, None).await;
    next(&mut socket).await.unwrap();
    send(
        &mut socket,
        signed(&key, Utc::now().timestamp(), "presence-000000000001"),
    )
    .await;
    assert_eq!(next(&mut socket).await.unwrap()["type"], "auth_success");

    let token = context.access_token("u-viewer", &["user"]);
    for instance in [&service, &other] {
        let engines = presence(instance, &token).await;
        assert_eq!(engines.len(), 1);
        assert_eq!(engines[0]["user_id"], owner.to_string());
        assert!(engines[0]["last_heartbeat_at"].as_str().is_some());
    }

    let guest = get(&other, "/api/v1/presence", None).await;
    assert_eq!(guest.status(), 401);

    let client = redis::Client::open(context.redis_url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let stream = format!("{}nexus:gateway:presence:v1", context.redis_prefix);
    let length: usize = redis::cmd("XLEN")
        .arg(&stream)
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(length, 1, "EngineConnected was published");

    socket.close(None).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !presence(&other, &token).await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the engine stayed listed after it left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let length: usize = redis::cmd("XLEN")
        .arg(&stream)
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(length, 2, "EngineDisconnected was published");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engines_of_an_instance_that_died_drop_out_once_stale() {
    let (context, _upstream, service) = setup().await;
    let client = redis::Client::open(context.redis_url.as_str()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{}nexus:gateway:engines:v1", context.redis_prefix);
    let record = |session: &str, heartbeat: chrono::DateTime<Utc>| {
        json!({
            "user_id": "u-engine", "session_id": session, "instance": "gone",
            "connected_at": heartbeat, "last_heartbeat_at": heartbeat,
        })
        .to_string()
    };
    let () = redis::cmd("HSET")
        .arg(&key)
        .arg("s-stale")
        .arg(record(
            "s-stale",
            Utc::now() - chrono::Duration::minutes(10),
        ))
        .arg("s-fresh")
        .arg(record("s-fresh", Utc::now()))
        .arg("s-garbage")
        .arg("{not json")
        .query_async(&mut connection)
        .await
        .unwrap();

    let token = context.access_token("u-viewer", &["user"]);
    let engines = presence(&service, &token).await;
    assert_eq!(engines.len(), 1);
    assert_eq!(engines[0]["session_id"], "s-fresh");
    let left: Vec<String> = redis::cmd("HKEYS")
        .arg(&key)
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(
        left,
        vec!["s-fresh".to_owned()],
        "stale and unreadable records are deleted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_message_closes_with_1009_and_binary_gets_an_error() {
    let (context, _upstream, service) = setup().await;
    let token = context.access_token("u-big", &["user"]);
    let mut socket = connect(&service, Some(&token)).await;
    next(&mut socket).await.unwrap();

    socket
        .send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .unwrap();
    let answer = next(&mut socket).await.unwrap();
    assert_eq!(answer["type"], "error");
    assert_eq!(answer["code"], "invalid_message");

    // The default limit is 64 KiB per message.
    let huge = format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(70 * 1024));
    socket.send(Message::Text(huge.into())).await.unwrap();
    let close_code = loop {
        match next(&mut socket).await {
            Ok(_) => continue,
            Err(code) => break code,
        }
    };
    assert_eq!(close_code, Some(1009));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_get_of_ws_is_told_how_to_upgrade() {
    let (_context, _upstream, service) = setup().await;
    let response = http()
        .get(ws_url(&service).replace("ws://", "http://"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "websocket_handshake_invalid");
    assert!(body["message"].as_str().unwrap().contains("Upgrade"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heartbeats_reach_the_fleet_at_the_flush_and_sign_outs_are_never_written_back() {
    use nexus_gateway::ws::presence::Presence;
    let context = TestContext::new().await.unwrap();
    let bus = live_bus(&context).await;
    let presence = Presence::new(bus.clone(), "i-1".to_owned(), Duration::from_secs(60));
    let shared = || async { presence.engines().await.unwrap() };

    presence.connected("u-engine", "s-1").await;
    let first = shared().await;
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    presence.heartbeat("s-1");
    assert_eq!(shared().await, first, "heartbeats wait for the flush");
    presence.flush().await.unwrap();
    let flushed = shared().await;
    assert!(flushed[0].last_heartbeat_at > first[0].last_heartbeat_at);

    presence.disconnected("s-1", "closed").await;
    presence.flush().await.unwrap();
    assert!(shared().await.is_empty());

    presence.connected("u-engine", "s-2").await;
    presence.withdraw().await.unwrap();
    assert!(
        shared().await.is_empty(),
        "a stopping instance withdraws its engines"
    );
}
