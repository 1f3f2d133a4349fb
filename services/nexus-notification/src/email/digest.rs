//! The daily digest: notices whose user chose the digest wait in
//! `notification.email_digest_items`; once a day, at `digest_hour_utc`, this worker turns each
//! user's waiting notices into one digest mail (the sender then mails it like any other). One
//! digest per user and day is a unique key, so a second pass, or a second process, adds none.

use std::sync::Arc;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use nexus_runtime::Workers;

use crate::NotificationService;
use crate::error::NotificationError;

/// Registers the `email-digest` loop (from [`crate::workers::register`]) with the sender.
pub fn register(service: Arc<NotificationService>, workers: &mut Workers) {
    if !service.settings.email.enabled {
        return;
    }
    workers.add("email-digest", move |shutdown| async move {
        let idle = service.settings.email.poll_interval;
        nexus_runtime::workers::run_passes(shutdown, idle, "E-mail digest", || async {
            collect(&service)
                .await
                .map(|queued| usize::try_from(queued).unwrap_or(usize::MAX))
        })
        .await
    });
}

/// The latest digest time at or before `now` (`hour` o'clock UTC today, or yesterday).
pub fn latest_digest_time(now: DateTime<Utc>, hour: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(hour.min(23), 0, 0).unwrap_or(NaiveTime::MIN);
    let today = now.date_naive().and_time(time).and_utc();
    if today <= now {
        today
    } else {
        today - TimeDelta::days(1)
    }
}

/// One pass: queues the digest due at the service clock's now for every user with waiting
/// notices; returns how many were queued.
pub async fn collect(service: &NotificationService) -> Result<u64, NotificationError> {
    let settings = &service.settings.email;
    let now = settings.clock.now();
    let cutoff = latest_digest_time(now, settings.digest_hour_utc);
    service
        .store
        .collect_digests(cutoff, cutoff.date_naive(), now)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_time_is_todays_hour_once_passed_else_yesterdays() {
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            latest_digest_time(at("2026-12-08T09:30:00Z"), 8),
            at("2026-12-08T08:00:00Z")
        );
        assert_eq!(
            latest_digest_time(at("2026-12-08T07:59:59Z"), 8),
            at("2026-12-07T08:00:00Z")
        );
        assert_eq!(
            latest_digest_time(at("2026-12-08T08:00:00Z"), 8),
            at("2026-12-08T08:00:00Z")
        );
    }
}
