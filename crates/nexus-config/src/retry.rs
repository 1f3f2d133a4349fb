//! The start-up retry schedule shared by every dependency connection.

use std::time::Duration;

/// Longest pause between two start-up connection attempts.
pub const MAX_RETRY_PAUSE: Duration = Duration::from_secs(30);

/// The pauses before each of `retries` further attempts: `first`, then doubling, capped at
/// [`MAX_RETRY_PAUSE`]. Used with `connect_retries` / `retry_backoff` of a settings section.
pub fn retry_pauses(first: Duration, retries: u32) -> impl Iterator<Item = Duration> {
    std::iter::successors(Some(first.min(MAX_RETRY_PAUSE)), |pause| {
        Some(pause.saturating_mul(2).min(MAX_RETRY_PAUSE))
    })
    .take(usize::try_from(retries).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_the_cap_and_stop_after_the_retries() {
        let pauses: Vec<u64> = retry_pauses(Duration::from_secs(5), 5)
            .map(|pause| pause.as_secs())
            .collect();
        assert_eq!(pauses, [5, 10, 20, 30, 30]);
        assert_eq!(retry_pauses(Duration::from_millis(1), 0).count(), 0);
    }
}
