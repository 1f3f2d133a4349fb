//! A WebSocket client of the gateway's hub for end-to-end tests: signs in with an access token,
//! subscribes, and keeps every message it receives so a test can check what arrived and in
//! which order.

// Each test binary uses the part of the helpers it needs.
#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::platform::Platform;

/// How long a message may take to arrive before the test fails naming it.
const STEP: Duration = Duration::from_secs(60);

/// A WebSocket client of the gateway: a task reads every frame (answering pings as it goes) and
/// hands the messages over; the test keeps them all.
pub struct Feed {
    sink: futures_util::stream::SplitSink<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        Message,
    >,
    messages: mpsc::UnboundedReceiver<Value>,
    seen: Vec<Value>,
}

impl Feed {
    /// Connects to `/ws` and signs in with the access token.
    pub async fn connect(platform: &Platform, token: &str) -> Self {
        let url = platform.url("/ws").replace("http://", "ws://");
        let (socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let (mut sink, mut stream) = socket.split();
        let (sender, messages) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                if let Message::Text(text) = frame
                    && let Ok(message) = serde_json::from_str::<Value>(&text)
                    && sender.send(message).is_err()
                {
                    break;
                }
            }
        });
        let auth = json!({"type": "auth", "data": {"token": token}});
        sink.send(Message::Text(auth.to_string().into()))
            .await
            .unwrap();
        let mut feed = Self {
            sink,
            messages,
            seen: Vec::new(),
        };
        let signed_in = feed
            .until("auth_success", |message| message["type"] == "auth_success")
            .await;
        assert!(signed_in["user_id"].is_string(), "{signed_in}");
        feed
    }

    /// Subscribes and waits for the hub's `subscribed` (sent once Redis confirmed it, so no
    /// event published afterwards is missed).
    pub async fn subscribe(&mut self, topic: &str) {
        let request = json!({"type": "subscribe", "topic": topic});
        self.sink
            .send(Message::Text(request.to_string().into()))
            .await
            .unwrap();
        self.until(&format!("subscribed to {topic}"), |message| {
            message["type"] == "subscribed" && message["topic"] == topic
        })
        .await;
    }

    /// The next message matching `wanted` (every message is kept in `seen`); a sign-in or
    /// subscription error fails the test at once.
    pub async fn until(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let message = tokio::time::timeout_at(deadline, self.messages.recv())
                .await
                .unwrap_or_else(|_| panic!("no {what} on the socket within {STEP:?}"))
                .unwrap_or_else(|| panic!("the socket closed before {what}"));
            assert_ne!(message["type"], "error", "waiting for {what}: {message}");
            self.seen.push(message.clone());
            if wanted(&message) {
                return message;
            }
        }
    }

    /// The envelopes of the events `wanted` picks (it sees the whole message: topic and
    /// event), once there are `count` of them, waiting for the rest with a deadline.
    pub async fn collect(
        &mut self,
        count: usize,
        what: &str,
        wanted: impl Fn(&Value) -> bool + Copy,
    ) -> Vec<Value> {
        let picked = |message: &Value| message["type"] == "event" && wanted(message);
        while self.seen.iter().filter(|message| picked(message)).count() < count {
            self.until(what, picked).await;
        }
        self.seen
            .iter()
            .filter(|message| picked(message))
            .map(|message| message["event"].clone())
            .collect()
    }
}
