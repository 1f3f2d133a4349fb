//! A real SMTP server for tests: MailDev (npm, pinned in `tools/mailsink`), started on free
//! ports and read back over its REST API. The notification service's tests and the platform's
//! end-to-end tests send to it; nothing is mocked between our mailer and an SMTP server.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test support: a sink that cannot start or answer ends the test with the reason"
)]

use std::future::Future;
use std::time::Duration;

use serde_json::Value;

/// A running MailDev; killed when dropped.
#[derive(Debug)]
pub struct MailSink {
    /// Its SMTP port.
    pub smtp_port: u16,
    /// Its web and REST port.
    pub web_port: u16,
    child: tokio::process::Child,
    http: reqwest::Client,
}

impl MailSink {
    /// Starts MailDev on `smtp_port` (a free one when `None`) and waits until its REST API
    /// answers. Panics, naming the fix, when `tools/mailsink` has not been installed.
    pub async fn start_on(smtp_port: Option<u16>) -> Self {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/mailsink");
        let binary = format!("{root}/node_modules/.bin/maildev");
        assert!(
            std::path::Path::new(&binary).exists(),
            "{binary} is missing: run `npm ci` in tools/mailsink (scripts/test.sh does)"
        );
        nexus_runtime::install_crypto_provider();
        let smtp_port = smtp_port.unwrap_or_else(free_port);
        let web_port = free_port();
        let child = tokio::process::Command::new("node")
            .arg(&binary)
            .args([
                "--smtp",
                &smtp_port.to_string(),
                "--web",
                &web_port.to_string(),
            ])
            .args(["--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--silent"])
            .kill_on_drop(true)
            .spawn()
            .expect("maildev starts");
        let sink = Self {
            smtp_port,
            web_port,
            child,
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
        };
        poll("maildev's REST API", || async {
            sink.try_emails().await.map(|_| ())
        })
        .await;
        sink
    }

    /// Starts MailDev on free ports.
    pub async fn start() -> Self {
        Self::start_on(None).await
    }

    async fn try_emails(&self) -> Option<Vec<Value>> {
        let response = self
            .http
            .get(format!("http://127.0.0.1:{}/email", self.web_port))
            .send()
            .await
            .ok()?;
        response.json::<Vec<Value>>().await.ok()
    }

    /// Every mail received so far (MailDev's JSON: `subject`, `text`, `html`, `to`, `headers`).
    pub async fn emails(&self) -> Vec<Value> {
        self.try_emails().await.expect("maildev answers")
    }

    /// Waits (up to 30 s) until at least `count` mails arrived and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Value> {
        poll(&format!("{count} mail(s) in maildev"), || async {
            self.try_emails().await.filter(|mails| mails.len() >= count)
        })
        .await
    }

    /// Stops MailDev (its SMTP port refuses connections afterwards).
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// A free TCP port on 127.0.0.1 (bound then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// `probe` every 100 ms until it answers, for at most 30 s.
async fn poll<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(value) = probe().await {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}
