//! A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every request
//! (headers, body) and answers with a status the test sets (500 to play "down", 200 "up"), and
//! the independent check of what it received: the Standard Webhooks reference library from PyPI
//! (`standardwebhooks`, installed by scripts/engine-tools.sh), never our own signing code.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test support: a receiver that cannot bind or a checker that cannot run ends the test"
)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request the receiver got (header names lower-case).
#[derive(Debug, Clone)]
pub struct Received {
    /// Its headers.
    pub headers: HashMap<String, String>,
    /// Its body, as text.
    pub body: String,
}

/// A running receiver; it stops with the test's runtime.
#[derive(Debug)]
pub struct WebhookReceiver {
    /// Its port on 127.0.0.1.
    pub port: u16,
    status: Arc<AtomicU16>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl WebhookReceiver {
    /// Starts a receiver answering `status` to every request.
    pub async fn start(status: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let port = listener.local_addr().expect("its address").port();
        let status = Arc::new(AtomicU16::new(status));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (answer, log) = (Arc::clone(&status), Arc::clone(&received));
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, Arc::clone(&answer), Arc::clone(&log)));
            }
        });
        Self {
            port,
            status,
            received,
        }
    }

    /// `http://127.0.0.1:<port>/hook`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// Answers `status` from now on.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

/// Reads one request (head, then `content-length` bytes), records it, answers and closes.
async fn serve(
    mut socket: tokio::net::TcpStream,
    answer: Arc<AtomicU16>,
    log: Arc<Mutex<Vec<Received>>>,
) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let read = socket.read(&mut chunk).await.unwrap_or(0);
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(at) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let read = socket.read(&mut chunk).await.unwrap_or(0);
        if read == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = String::from_utf8_lossy(&buffer[head_end..head_end + length]).to_string();
    log.lock().unwrap().push(Received { headers, body });
    let status = answer.load(Ordering::SeqCst);
    let response = format!(
        "HTTP/1.1 {status} X\r\ncontent-type: text/plain\r\ncontent-length: 8\r\nconnection: close\r\n\r\nanswered"
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}

/// The Standard Webhooks Python library's verdict on each request under `secret` (`whsec_...`):
/// `ok` or `fail:<its error>`, one per request. With `lift_timestamp_window`, the library's own
/// check of the timestamp against the real clock (±5 min) is lifted, for tests whose service
/// clock runs ahead; the signature check is the library's, unchanged.
pub fn verify_with_standard_webhooks(
    secret: &str,
    requests: &[Received],
    lift_timestamp_window: bool,
) -> Vec<String> {
    let cases: Vec<Value> = requests
        .iter()
        .map(|request| json!({ "headers": request.headers, "body": request.body }))
        .collect();
    let script = r#"
import json, sys
from datetime import datetime, timezone
from standardwebhooks.webhooks import Webhook
class Lifted(Webhook):
    def _Webhook__verify_timestamp(self, header):
        return datetime.fromtimestamp(float(header), tz=timezone.utc)
secret, lift, cases = sys.argv[1], sys.argv[2] == "lift", json.loads(sys.stdin.read())
for case in cases:
    try:
        (Lifted if lift else Webhook)(secret).verify(case["body"], case["headers"])
        print("ok")
    except Exception as error:
        print("fail:" + str(error))
"#;
    let mode = if lift_timestamp_window {
        "lift"
    } else {
        "strict"
    };
    let mut child = std::process::Command::new("python3")
        .args(["-c", script, secret, mode])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with standardwebhooks (scripts/engine-tools.sh installs it)");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(serde_json::to_string(&cases).unwrap().as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the standardwebhooks check failed to run: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}
