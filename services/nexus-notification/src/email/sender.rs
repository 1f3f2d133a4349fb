//! The sender worker: claims due mails (`FOR UPDATE SKIP LOCKED` with a lease), reads the
//! recipient's address from nexus-user, applies the per-recipient hourly limit and the bounce
//! suppression, renders the templates, sends over SMTP and records the outcome:
//!
//! - accepted: `sent` (with its Message-ID and time);
//! - transient failure (server down, timeout, 4xx, nexus-user unreachable): `queued` again after
//!   `retry_base * 2^attempts` (capped at `retry_max`, ±`jitter`), `failed` after `max_attempts`;
//! - permanent refusal (5xx): `bounced`, and the address's bounce count grows; at `max_bounces`
//!   the address is suppressed and later mails to it fail with a last_error that says so;
//! - the recipient's hourly limit reached: `queued` again for when the oldest send of the hour
//!   leaves the window, not counted as an attempt (table-based: the count of `sent` rows to the
//!   address in the last hour, so every sender process sees the same limit).
//!
//! Errors recorded never contain the SMTP password (lettre's errors carry none), and the log
//! names mails by id, never by address.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use nexus_client::{CallContext, UserClient};
use nexus_core::UserId;
use nexus_runtime::Workers;
use rand::Rng;

use super::mailer::{Mailer, OutgoingMail, SendError};
use super::password_reset::{self, PASSWORD_RESET_KIND, ResetError};
use super::settings::EmailSettings;
use super::template::{DIGEST, DIGEST_ITEM, MANDATORY, NOTICE, render};
use crate::NotificationService;
use crate::domain::notice::{Notice, NoticeKind};
use crate::domain::unsubscribe::unsubscribe_link;
use crate::error::NotificationError;
use crate::store::email::{ClaimedEmail, EmailOutcome};

/// Registers the `email-sender` loop (from [`crate::workers::register`]) unless
/// `notification.email.enabled` is false.
pub fn register(service: Arc<NotificationService>, workers: &mut Workers) {
    if !service.settings.email.enabled {
        return;
    }
    workers.add("email-sender", move |shutdown| async move {
        let settings = &service.settings.email;
        let mailer = Mailer::new(settings).map_err(NotificationError::Internal)?;
        let users = service.users.clone();
        let idle = settings.poll_interval;
        nexus_runtime::workers::run_passes(shutdown, idle, "E-mail sending", || {
            send_due(&service, &mailer, &users)
        })
        .await
    });
}

/// One pass: claims what is due and tries each; returns how many were tried.
pub async fn send_due(
    service: &NotificationService,
    mailer: &Mailer,
    users: &UserClient,
) -> Result<usize, NotificationError> {
    let settings = &service.settings.email;
    let now = settings.clock.now();
    let claimed = service
        .store
        .claim_emails(now, now + delta(settings.lease), i64::from(settings.batch))
        .await?;
    for email in &claimed {
        attempt(service, mailer, users, email).await?;
    }
    let (depth, oldest) = service
        .store
        .email_queue_depth(settings.clock.now())
        .await?;
    service.metrics.email.queue(depth, oldest);
    Ok(claimed.len())
}

async fn attempt(
    service: &NotificationService,
    mailer: &Mailer,
    users: &UserClient,
    email: &ClaimedEmail,
) -> Result<(), NotificationError> {
    let settings = &service.settings.email;
    let store = &service.store;
    let message_id = format!("<{}@{}>", email.id, mailer.message_id_host());
    let max_bounces = i32::try_from(settings.max_bounces).unwrap_or(i32::MAX);
    let record = |address: Option<String>, outcome: EmailOutcome, error: Option<String>| {
        let message_id = message_id.clone();
        async move {
            let now = settings.clock.now();
            store
                .record_email(
                    email,
                    address.as_deref(),
                    outcome,
                    error.as_deref(),
                    &message_id,
                    now,
                    max_bounces,
                )
                .await
        }
    };

    let address = match &email.to_address {
        Some(address) => address.clone(),
        None => match users
            .get_account(&CallContext::none(), UserId::from_uuid(email.user_id))
            .await
        {
            Ok(account) => account.email,
            Err(error) => {
                let (outcome, label) = retry_or_fail(settings, email, settings.clock.now());
                service.metrics.email.attempt(label);
                return record(
                    None,
                    outcome,
                    Some(format!("reading the address from nexus-user: {error}")),
                )
                .await;
            }
        },
    };

    let (bounces, suppressed) = store.email_address_bounces(&address).await?;
    if suppressed {
        service.metrics.email.attempt("suppressed");
        tracing::warn!(email = %email.id, bounces, "not mailed: the address is suppressed after repeated bounces");
        return record(
            Some(address),
            EmailOutcome::Failed,
            Some(format!(
                "not sent: the address bounced {bounces} times and is suppressed"
            )),
        )
        .await;
    }

    let now = settings.clock.now();
    let (sent, oldest) = store
        .email_sends_since(&address, now - TimeDelta::hours(1))
        .await?;
    if sent >= i64::from(settings.per_recipient_per_hour) {
        let at = oldest
            .map_or(now, |oldest| oldest + TimeDelta::hours(1))
            .max(now)
            + TimeDelta::seconds(1);
        service.metrics.email.attempt("deferred");
        return record(
            Some(address),
            EmailOutcome::Retry { at, counted: false },
            Some(format!(
                "deferred: {sent} mails to this address in the last hour (limit {})",
                settings.per_recipient_per_hour
            )),
        )
        .await;
    }

    let composed = if email.kind == PASSWORD_RESET_KIND {
        let public_url = &service.settings.public_url;
        match password_reset::compose(users, public_url, &email.payload, &address, &message_id)
            .await
        {
            Ok(mail) => Ok(mail),
            Err(ResetError::Gone(error)) => Err(error),
            Err(ResetError::Unavailable(error)) => {
                let (outcome, label) = retry_or_fail(settings, email, settings.clock.now());
                service.metrics.email.attempt(label);
                return record(Some(address), outcome, Some(error)).await;
            }
        }
    } else {
        compose(service, email, &address, &message_id, now)
    };
    let mail = match composed {
        Ok(mail) => mail,
        Err(error) => {
            service.metrics.email.attempt("failed");
            return record(Some(address), EmailOutcome::Failed, Some(error)).await;
        }
    };
    match mailer.send(&mail).await {
        Ok(()) => {
            service.metrics.email.attempt("sent");
            record(Some(address), EmailOutcome::Sent, None).await
        }
        Err(SendError::Permanent(error)) => {
            service.metrics.email.attempt("bounced");
            tracing::warn!(email = %email.id, "the SMTP server refused the mail for good (counted as a bounce)");
            record(
                Some(address),
                EmailOutcome::Bounced,
                Some(format!("permanent SMTP refusal: {error}")),
            )
            .await
        }
        Err(SendError::Invalid(error)) => {
            service.metrics.email.attempt("failed");
            record(Some(address), EmailOutcome::Failed, Some(error)).await
        }
        Err(SendError::Transient(error)) => {
            let (outcome, label) = retry_or_fail(settings, email, settings.clock.now());
            service.metrics.email.attempt(label);
            record(
                Some(address),
                outcome,
                Some(format!("transient SMTP failure: {error}")),
            )
            .await
        }
    }
}

/// The next attempt after a transient failure, or `failed` when the attempts are used up.
fn retry_or_fail(
    settings: &EmailSettings,
    email: &ClaimedEmail,
    now: DateTime<Utc>,
) -> (EmailOutcome, &'static str) {
    let made = u32::try_from(email.attempts)
        .unwrap_or(u32::MAX)
        .saturating_add(1);
    if made >= settings.max_attempts {
        return (EmailOutcome::Failed, "failed");
    }
    let unit = rand::rng().random_range(-1.0..=1.0);
    let delay = backoff(settings, made, unit);
    (
        EmailOutcome::Retry {
            at: now + delta(delay),
            counted: true,
        },
        "retrying",
    )
}

/// `retry_base * 2^(attempts_made - 1)`, capped at `retry_max`, scaled by `1 + jitter * unit`
/// (`unit` in [-1, 1]).
pub fn backoff(settings: &EmailSettings, attempts_made: u32, unit: f64) -> Duration {
    let exponent = attempts_made.saturating_sub(1).min(30);
    let base = settings
        .retry_base
        .saturating_mul(1u32 << exponent)
        .min(settings.retry_max);
    base.mul_f64((1.0 + settings.jitter * unit.clamp(-1.0, 1.0)).max(0.0))
}

fn compose(
    service: &NotificationService,
    email: &ClaimedEmail,
    address: &str,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<OutgoingMail, String> {
    let base = service.settings.public_url.trim_end_matches('/');
    if email.kind == DIGEST_KIND {
        return compose_digest(email, base, address, message_id);
    }
    let notice: Notice = serde_json::from_value(email.payload.clone())
        .map_err(|error| format!("the queued notice cannot be read: {error}"))?;
    let link = dashboard_link(base, &notice);
    let mandatory = notice.kind.is_mandatory();
    let unsubscribe = unsubscribe_url(service, notice.user_id, notice.kind, now);
    let (text, html) = render(
        if mandatory { MANDATORY } else { NOTICE },
        &[
            ("title", notice.title.as_str()),
            ("body", notice.body.as_str()),
            ("link", link.as_str()),
            ("kind", notice.kind.as_str()),
            ("unsubscribe", unsubscribe.as_str()),
        ],
    );
    Ok(OutgoingMail {
        to: address.to_owned(),
        subject: format!("[Nexus Security] {}", notice.title),
        text,
        html,
        message_id: message_id.to_owned(),
        unsubscribe: (!mandatory).then_some(unsubscribe),
    })
}

/// The `kind` of digest mails in the queue.
pub const DIGEST_KIND: &str = "digest";

fn dashboard_link(base: &str, notice: &Notice) -> String {
    match &notice.link {
        Some(path) => format!("{base}{path}"),
        None => base.to_owned(),
    }
}

/// One mail listing the notices of the digest (payload: the notices, oldest first).
fn compose_digest(
    email: &ClaimedEmail,
    base: &str,
    address: &str,
    message_id: &str,
) -> Result<OutgoingMail, String> {
    let notices: Vec<Notice> = serde_json::from_value(email.payload.clone())
        .map_err(|error| format!("the queued digest cannot be read: {error}"))?;
    let (mut items, mut items_html) = (String::new(), String::new());
    for notice in &notices {
        let link = dashboard_link(base, notice);
        let (text, html) = render(
            DIGEST_ITEM,
            &[
                ("title", notice.title.as_str()),
                ("body", notice.body.as_str()),
                ("link", link.as_str()),
            ],
        );
        items.push_str(&text);
        items_html.push_str(&html);
    }
    let count = notices.len().to_string();
    let preferences = format!("{base}/settings/notifications");
    let (text, html) = render(
        DIGEST,
        &[
            ("count", count.as_str()),
            ("items", items.as_str()),
            ("items_html", items_html.as_str()),
            ("preferences", preferences.as_str()),
        ],
    );
    Ok(OutgoingMail {
        to: address.to_owned(),
        subject: format!("[Nexus Security] Your daily digest: {count} notices"),
        text,
        html,
        message_id: message_id.to_owned(),
        unsubscribe: None,
    })
}

/// The unsubscribe link a mail about `kind` carries (CORE's signed, expiring token link).
fn unsubscribe_url(
    service: &NotificationService,
    user_id: uuid::Uuid,
    kind: NoticeKind,
    now: DateTime<Utc>,
) -> String {
    unsubscribe_link(&service.settings, user_id, kind, now)
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jitters_within_bounds() {
        let settings = EmailSettings::default();
        assert_eq!(backoff(&settings, 1, 0.0), Duration::from_secs(30));
        assert_eq!(backoff(&settings, 2, 0.0), Duration::from_secs(60));
        assert_eq!(backoff(&settings, 4, 0.0), Duration::from_secs(240));
        assert_eq!(backoff(&settings, 40, 0.0), settings.retry_max);
        assert_eq!(backoff(&settings, 1, 1.0), Duration::from_secs(36));
        assert_eq!(backoff(&settings, 1, -1.0), Duration::from_secs(24));
    }
}
