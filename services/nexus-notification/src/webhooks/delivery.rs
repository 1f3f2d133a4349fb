//! The delivery worker: claims due messages (`FOR UPDATE SKIP LOCKED` with a lease), signs each
//! with the endpoint's secret(s), POSTs it through the SSRF-safe fetcher (timeout, response-size
//! limit, no redirects: the destination is checked again at send time, so an endpoint whose name
//! now resolves inside is refused) and records the attempt: 2xx delivered; anything else retried
//! at the schedule's next time ([`super::schedule`]) with the same `webhook-id`.
//!
//! At least once: a worker killed after the receiver answered but before the attempt committed
//! leaves its lease to run out, and the message is sent again under the same `webhook-id` (the
//! one window in which a receiver sees a duplicate; it deduplicates on the id).

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use http::{HeaderMap, HeaderValue, Method};
use nexus_fetch::{FetchRequest, Fetcher};
use nexus_runtime::Workers;
use rand::Rng;

use super::payload::webhook_id;
use super::signature::{Secret, signature_header};
use crate::NotificationService;
use crate::error::NotificationError;
use crate::store::webhooks::{AttemptResult, Claimed, Recorded};

/// Bytes of a response kept in the delivery log.
pub const EXCERPT_BYTES: usize = 1024;

/// Registers the `webhook-delivery` loop (from [`crate::workers::register`]): a pass at once
/// after work, after `poll_interval` when nothing was due.
pub fn register(service: Arc<NotificationService>, workers: &mut Workers) {
    workers.add("webhook-delivery", move |shutdown| async move {
        let policy = service
            .settings
            .webhooks
            .fetch_policy()
            .map_err(NotificationError::Internal)?;
        let fetcher = Fetcher::new(policy).map_err(|error| {
            NotificationError::Internal(format!("the webhook fetcher: {error}"))
        })?;
        let idle = service.settings.webhooks.poll_interval;
        nexus_runtime::workers::run_passes(shutdown, idle, "Webhook delivery", || {
            deliver_due(&service, &fetcher)
        })
        .await
    });
}

/// One pass: claims what is due and delivers it; returns how many were attempted.
pub async fn deliver_due(
    service: &NotificationService,
    fetcher: &Fetcher,
) -> Result<usize, NotificationError> {
    let settings = &service.settings.webhooks;
    let now = settings.clock.now();
    let lease_until = now + delta(settings.lease);
    let claimed = service
        .store
        .claim_webhook_messages(now, lease_until, i64::from(settings.batch))
        .await?;
    let attempted = claimed.len();
    for message in &claimed {
        let result = attempt(service, fetcher, message).await;
        let now = settings.clock.now();
        let next = if result.delivered {
            None
        } else {
            let attempts_made = u32::try_from(message.attempts)
                .unwrap_or(u32::MAX)
                .saturating_add(1);
            let unit = rand::rng().random_range(-1.0..=1.0);
            super::schedule::next_delay(attempts_made, unit, settings.jitter)
                .map(|delay| now + delta(delay))
        };
        let failing_for = TimeDelta::days(i64::from(settings.disable_after_days));
        let recorded = service
            .store
            .record_attempt(message, &result, now, next, now - failing_for)
            .await?;
        service.metrics.webhooks.attempt(match recorded {
            Recorded::Delivered => "delivered",
            Recorded::Retrying => "retrying",
            Recorded::GaveUp => "gave_up",
            Recorded::EndpointDisabled => "endpoint_disabled",
            Recorded::LeaseLost => "lease_lost",
        });
        if recorded == Recorded::EndpointDisabled {
            tracing::warn!(endpoint_id = %message.endpoint_id, "A webhook endpoint failing for days was disabled.");
        }
    }
    let (depth, oldest) = service.store.webhook_queue(settings.clock.now()).await?;
    service.metrics.webhooks.queue(depth, oldest);
    Ok(attempted)
}

/// Sends one message once.
async fn attempt(
    service: &NotificationService,
    fetcher: &Fetcher,
    message: &Claimed,
) -> AttemptResult {
    let started = Instant::now();
    let failed = |code: &str| AttemptResult {
        delivered: false,
        status_code: None,
        error_code: Some(code.to_owned()),
        latency_ms: millis(started.elapsed()),
        response_excerpt: String::new(),
    };
    let now = service.settings.webhooks.clock.now();
    let Ok(url) = url::Url::parse(&message.url) else {
        return failed("invalid_url");
    };
    let Ok(current) = Secret::parse(&message.secret) else {
        return failed("secret_unreadable");
    };
    let previous = match (&message.previous_secret, message.previous_secret_until) {
        (Some(text), Some(until)) if until > now => Secret::parse(text).ok(),
        _ => None,
    };
    let mut secrets = vec![&current];
    secrets.extend(previous.as_ref());
    let id = webhook_id(message.notice_id);
    let timestamp = now.timestamp();
    let signature = signature_header(&secrets, &id, timestamp, message.body.as_bytes());
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("webhook-id", id.as_str()),
        ("webhook-timestamp", &timestamp.to_string()),
        ("webhook-signature", signature.as_str()),
        ("content-type", "application/json"),
    ] {
        match HeaderValue::from_str(value) {
            Ok(value) => {
                headers.insert(name, value);
            }
            Err(_) => return failed("header_invalid"),
        }
    }
    let request = FetchRequest {
        method: Method::POST,
        url,
        headers,
        body: bytes::Bytes::from(message.body.clone()),
    };
    match fetcher.send(request).await {
        Ok(response) => AttemptResult {
            delivered: (200..300).contains(&response.status),
            status_code: Some(i32::from(response.status)),
            error_code: (!(200..300).contains(&response.status))
                .then(|| "status_not_2xx".to_owned()),
            latency_ms: millis(response.elapsed),
            response_excerpt: excerpt(&response.body),
        },
        Err(error) => failed(error.code()),
    }
}

/// The first [`EXCERPT_BYTES`] of `body` as text, cut on a character boundary.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES)]);
    let mut end = text.len().min(EXCERPT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

fn millis(elapsed: Duration) -> i32 {
    i32::try_from(elapsed.as_millis()).unwrap_or(i32::MAX)
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_excerpt_keeps_at_most_a_kibibyte_on_a_character_boundary() {
        assert_eq!(excerpt(b"ok"), "ok");
        let long = "é".repeat(1000);
        let cut = excerpt(long.as_bytes());
        assert!(cut.len() <= EXCERPT_BYTES);
        assert!(cut.len() >= EXCERPT_BYTES - 4);
        assert!(cut.chars().all(|c| c == 'é' || c == '\u{fffd}'));
    }
}
