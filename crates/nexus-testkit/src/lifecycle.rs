//! The life-cycle checks every service must pass, in-process and as a real binary.

use std::process::Stdio;
use std::time::Duration;

use nexus_config::ServiceKind;
use nexus_proto::health::ReadinessReport;
use nexus_runtime::Service;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;

use crate::{TestContext, TestError};

/// Starts `S` in-process and checks: `/health` is 200, `/ready` is 200 and probes exactly the
/// declared dependencies, `/metrics` on the admin port counts the requests, and shutdown is
/// clean and closes the port.
pub async fn assert_in_process_lifecycle<S: Service>() -> Result<(), TestError> {
    assert_in_process_lifecycle_probing::<S>(&[]).await
}

/// [`assert_in_process_lifecycle`] for a service that registers readiness checks of its own
/// (`Setup::readiness`) next to the declared dependencies: `/ready` must probe exactly those
/// too, by name, and still answer 200 with the default settings, so each of them only degrades
/// the service when its dependency is absent (the bounty service's `chain`).
pub async fn assert_in_process_lifecycle_probing<S: Service>(
    extra_probes: &[&str],
) -> Result<(), TestError> {
    let context = TestContext::new().await?;
    let service = context.spawn::<S>().await?;
    let http = reqwest::Client::new();

    let health = http
        .get(format!("{}/health", service.base_url()))
        .send()
        .await?;
    ensure(
        health.status() == 200,
        format!("/health answered {}", health.status()),
    )?;

    let ready = http
        .get(format!("{}/ready", service.base_url()))
        .send()
        .await?;
    ensure(
        ready.status() == 200,
        format!("/ready answered {}", ready.status()),
    )?;
    let report: ReadinessReport = ready.json().await?;
    let mut probed: Vec<&str> = report
        .checks
        .iter()
        .map(|check| check.name.as_str())
        .collect();
    probed.sort_unstable();
    let mut expected: Vec<&str> = S::DEPENDENCIES
        .iter()
        .map(|dependency| match dependency {
            nexus_runtime::Dependency::Postgres => "postgres",
            nexus_runtime::Dependency::Redis => "redis",
        })
        .chain(std::iter::once("workers"))
        .chain(extra_probes.iter().copied())
        .collect();
    expected.sort_unstable();
    ensure(
        probed == expected,
        format!("/ready probed {probed:?}, expected {expected:?}"),
    )?;

    let metrics = http.get(service.metrics_url()).send().await?.text().await?;
    let service_label = format!("service=\"{}\"", S::KIND.binary_name());
    let counted = metrics.lines().any(|line| {
        line.starts_with("nexus_http_requests_total{")
            && line.contains("route=\"/ready\"")
            && line.contains(&service_label)
    });
    ensure(
        counted,
        format!("/metrics has no request counter for /ready:\n{metrics}"),
    )?;

    let address = service.running.http_addr();
    let report = service.running.shutdown().await;
    ensure(
        report.is_clean(),
        format!("shutdown was not clean: {report:?}"),
    )?;
    ensure(
        std::net::TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_err(),
        "the HTTP port still accepts connections after shutdown".into(),
    )?;
    Ok(())
}

/// Runs the real binary against this test's database and Redis on ports 0, waits for `/ready`,
/// scrapes `/metrics`, sends SIGTERM and expects a clean exit (status 0) with a clean report.
/// Also proves logs are JSON when standard error is not a terminal.
pub async fn assert_binary_lifecycle(kind: ServiceKind, binary: &str) -> Result<(), TestError> {
    let context = TestContext::new().await?;
    let mut child = Command::new(binary)
        .env("NEXUS_DATABASE__URL", &context.database.url)
        .env("NEXUS_DATABASE__RUN_MIGRATIONS", "false")
        .env("NEXUS_REDIS__URL", &context.redis_url)
        .env("NEXUS_REDIS__KEY_PREFIX", &context.redis_prefix)
        .env("NEXUS_SERVER__HTTP_ADDR", "127.0.0.1:0")
        .env("NEXUS_SERVER__ADMIN_ADDR", "127.0.0.1:0")
        .env("NEXUS_SERVER__WORKERS", "1")
        // No auth service runs here: without these the process would wait (not ready) for
        // the signing keys and published policies it is configured to fetch by default.
        .env("NEXUS_TOKENS__JWKS_URL", "")
        .env("NEXUS_POLICIES__AUTH_URL", "")
        .env("NEXUS_TELEMETRY__LOG_FORMAT", "auto")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|error| format!("could not run {binary}: {error}"))?;
    let stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let (lines_sender, mut lines) = mpsc::unbounded_channel::<serde_json::Value>();
    tokio::spawn(async move {
        let mut reader = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = reader.next_line().await {
            let parsed = serde_json::from_str::<serde_json::Value>(&line)
                .unwrap_or_else(|_| serde_json::json!({ "not_json": line }));
            if lines_sender.send(parsed).is_err() {
                break;
            }
        }
    });

    let started = wait_for_log(&mut lines, "Service started.").await?;
    let http = started["http"]
        .as_str()
        .ok_or("the start line has no http address")?
        .to_owned();
    let admin = started["admin"]
        .as_str()
        .ok_or("the start line has no admin address")?
        .to_owned();
    ensure(
        started["service"] == kind.binary_name(),
        format!("start line names {}", started["service"]),
    )?;

    let client = reqwest::Client::new();
    let ready = client.get(format!("http://{http}/ready")).send().await?;
    ensure(
        ready.status() == 200,
        format!(
            "/ready answered {}: {}",
            ready.status(),
            ready.text().await?
        ),
    )?;
    let metrics = client.get(format!("http://{admin}/metrics")).send().await?;
    ensure(
        metrics.status() == 200,
        "/metrics did not answer 200".into(),
    )?;

    let pid = child.id().ok_or("the child has no pid")?;
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await?;
    ensure(killed.success(), "kill -TERM failed".into())?;
    let finished = wait_for_log(&mut lines, "Shutdown finished.").await?;
    ensure(
        finished["clean"] == true,
        format!("shutdown was not clean: {finished}"),
    )?;
    let status = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .map_err(|_| "the process did not exit within 15 s of SIGTERM")??;
    ensure(
        status.success(),
        format!("the process exited with {status}"),
    )?;
    Ok(())
}

async fn wait_for_log(
    lines: &mut mpsc::UnboundedReceiver<serde_json::Value>,
    message: &str,
) -> Result<serde_json::Value, TestError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.recv())
            .await
            .map_err(|_| format!("no log line {message:?} within 60 s"))?
            .ok_or_else(|| format!("the process ended before logging {message:?}"))?;
        if let Some(text) = line.get("not_json") {
            return Err(format!(
                "a log line is not JSON although stderr is not a terminal: {text}"
            )
            .into());
        }
        if line["message"] == message {
            return Ok(line);
        }
        if line["level"] == "ERROR" {
            return Err(format!(
                "the service logged an error while waiting for {message:?}: {line}"
            )
            .into());
        }
    }
}

fn ensure(condition: bool, message: String) -> Result<(), TestError> {
    if condition {
        Ok(())
    } else {
        Err(message.into())
    }
}

/// What every service answers at `base_url` before it has any endpoint of its own: its public
/// API document, titled `name`, with the bearer scheme and no `/internal` path (the gateway
/// merges it and clients read it), and the JSON error body for an unknown path.
pub async fn assert_api_surface(base_url: &str, name: &str) -> Result<(), TestError> {
    let base = base_url.trim_end_matches('/');
    let response = reqwest::get(format!("{base}/openapi.json")).await?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(format!("/openapi.json answered {}", response.status()).into());
    }
    let document: serde_json::Value = response.json().await?;
    if document["info"]["title"] != name {
        return Err(format!(
            "the document is titled {}, not {name}",
            document["info"]["title"]
        )
        .into());
    }
    let internal: Vec<&String> = document["paths"]
        .as_object()
        .ok_or("the document has no paths object")?
        .keys()
        .filter(|path| path.starts_with("/internal"))
        .collect();
    if !internal.is_empty() {
        return Err(format!("the public document lists internal paths: {internal:?}").into());
    }
    if document["components"]["securitySchemes"]["bearer"]["scheme"] != "bearer" {
        return Err("the document does not declare the bearer scheme".into());
    }
    let response = reqwest::get(format!("{base}/v1/nothing-here")).await?;
    if response.status() != reqwest::StatusCode::NOT_FOUND {
        return Err(format!("an unknown path answered {}", response.status()).into());
    }
    let body: serde_json::Value = response.json().await?;
    if !body["code"].is_string() {
        return Err(format!("an unknown path's answer has no error code: {body}").into());
    }
    Ok(())
}

/// A misspelt key in the service's own section stops the real binary at start with status 2,
/// naming the variable, instead of leaving a default silently in force (README, "Settings").
pub async fn assert_binary_refuses_an_unknown_key(
    kind: ServiceKind,
    binary: &str,
) -> Result<(), TestError> {
    let variable = format!("NEXUS_{}__NO_SUCH_KEY", kind.section().to_uppercase());
    let output = Command::new(binary)
        .env(&variable, "1")
        .env("NEXUS_SERVER__HTTP_ADDR", "127.0.0.1:0")
        .env("NEXUS_SERVER__ADMIN_ADDR", "127.0.0.1:0")
        .output()
        .await?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() != Some(2) || !stderr.contains(&variable) {
        return Err(format!(
            "{binary} with {variable} set exited with {:?} and said: {stderr}",
            output.status.code()
        )
        .into());
    }
    Ok(())
}
