//! Installing the `tracing` subscriber and the optional OTLP exporter.

use std::io::IsTerminal;

use nexus_config::{LogFormat, TelemetrySettings};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// Why telemetry could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// The log filter (from `RUST_LOG` or settings) does not parse.
    #[error("log filter is invalid: {0}")]
    Filter(String),
    /// The OTLP exporter could not be built.
    #[error("OTLP exporter could not be built: {0}")]
    Exporter(String),
}

impl TelemetryError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TelemetryError::Filter(_) => "telemetry_filter_invalid",
            TelemetryError::Exporter(_) => "telemetry_exporter_failed",
        }
    }
}

/// Keeps the trace exporter alive; [`TelemetryGuard::shutdown`] flushes buffered spans.
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
    /// Whether this call installed the subscriber (false when one was already installed).
    pub installed: bool,
}

impl TelemetryGuard {
    /// Exports every buffered span now.
    pub fn flush(&self) {
        if let Some(provider) = &self.provider
            && let Err(error) = provider.force_flush()
        {
            tracing::warn!(error = %error, "Flushing buffered spans failed.");
        }
    }

    /// Flushes and stops the exporter. Call once, at the very end of shutdown.
    pub fn shutdown(self) {
        if let Some(provider) = self.provider
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(error = %error, "Stopping the trace exporter failed.");
        }
    }
}

/// Installs the process-wide subscriber for `service` (idempotent: a second call in the same
/// process keeps the first subscriber and returns a guard with `installed == false`).
pub fn init_tracing(
    service: &str,
    settings: &TelemetrySettings,
) -> Result<TelemetryGuard, TelemetryError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::try_new(directives),
        _ => EnvFilter::try_new(settings.log_filter.as_deref().unwrap_or("info")),
    }
    .map_err(|error| TelemetryError::Filter(error.to_string()))?;

    let json = match settings.log_format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let fmt_layer = if json {
        tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .flatten_event(true)
            .with_writer(std::io::stderr)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .boxed()
    };

    let (provider, otel_layer) = match &settings.otlp_endpoint {
        Some(endpoint) => {
            let provider = otlp_provider(service, endpoint.as_str())?;
            let tracer = provider.tracer(service.to_owned());
            let layer = tracing_opentelemetry::layer().with_tracer(tracer).boxed();
            (Some(provider), Some(layer))
        }
        None => (None, None),
    };

    let installed = Registry::default()
        .with(filter)
        .with(fmt_layer)
        .with(otel_layer)
        .try_init()
        .is_ok();
    if !installed {
        tracing::debug!(
            service,
            "A tracing subscriber was already installed; keeping it."
        );
    }
    Ok(TelemetryGuard {
        provider: if installed { provider } else { None },
        installed,
    })
}

/// Builds a tracer provider exporting batches over OTLP/HTTP (protobuf) to `endpoint`.
fn otlp_provider(service: &str, endpoint: &str) -> Result<SdkTracerProvider, TelemetryError> {
    // The exporter's reqwest client has no rustls provider of its own; ring is the workspace's.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let traces_url = if endpoint.trim_end_matches('/').ends_with("/v1/traces") {
        endpoint.to_owned()
    } else {
        format!("{}/v1/traces", endpoint.trim_end_matches('/'))
    };
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(traces_url)
        .build()
        .map_err(|error| TelemetryError::Exporter(error.to_string()))?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(service.to_owned())
                .build(),
        )
        .build())
}
