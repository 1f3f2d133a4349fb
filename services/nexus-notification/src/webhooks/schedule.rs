//! The retry schedule (pure), published in docs/NOTIFICATIONS.md: after a failed attempt the next
//! comes after the delay for the attempts made so far, the Standard Webhooks / Svix schedule:
//! at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27.6 hours in all), each delay but
//! the first stretched or shrunk by up to the jitter (default ±10 %) so endpoints that fail
//! together do not retry together. After the last attempt the message is given up (`failed`).

use std::time::Duration;

/// The delays before each attempt: index `n` is the wait before attempt `n + 1`.
pub const DELAYS: [Duration; 8] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(10 * 3600),
];

/// How many attempts a message gets in one cycle (a replay starts a new cycle).
pub const ATTEMPTS: u32 = DELAYS.len() as u32;

/// The delay before the next attempt after `attempts_made` attempts failed, or `None` when the
/// schedule is exhausted. `unit` in `[-1, 1]` picks where in the jitter band the delay falls
/// (the caller draws it at random; tests pass fixed values); `jitter` is the band's half-width as
/// a fraction (0.1 = ±10 %).
pub fn next_delay(attempts_made: u32, unit: f64, jitter: f64) -> Option<Duration> {
    let base = *DELAYS.get(usize::try_from(attempts_made).ok()?)?;
    let factor = 1.0 + unit.clamp(-1.0, 1.0) * jitter.clamp(0.0, 0.5);
    Some(base.mul_f64(factor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_the_published_one_and_ends_after_eight_attempts() {
        let without_jitter: Vec<u64> = (1..ATTEMPTS)
            .map(|n| next_delay(n, 0.0, 0.1).unwrap().as_secs())
            .collect();
        assert_eq!(without_jitter, [5, 300, 1800, 7200, 18000, 36000, 36000]);
        assert_eq!(next_delay(ATTEMPTS, 0.0, 0.1), None);
        let total: u64 = DELAYS.iter().map(Duration::as_secs).sum();
        assert_eq!(total, 99_305); // about 27.6 hours
    }

    #[test]
    fn jitter_stays_in_its_band() {
        assert_eq!(next_delay(1, 1.0, 0.1), Some(Duration::from_millis(5500)));
        assert_eq!(next_delay(1, -1.0, 0.1), Some(Duration::from_millis(4500)));
        assert_eq!(next_delay(4, 7.0, 0.1), Some(Duration::from_secs(7920)));
        assert_eq!(next_delay(0, 1.0, 0.1), Some(Duration::ZERO));
    }
}
