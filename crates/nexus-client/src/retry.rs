//! When to retry and how long to wait.

use std::time::Duration;

use rand::Rng;
use reqwest::{Method, StatusCode};

use crate::settings::ClientSettings;

/// Whether repeating `method` cannot change the outcome on the server (RFC 9110 §9.2.2).
/// POST and PATCH are never retried: the first attempt may have taken effect.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    [
        Method::GET,
        Method::HEAD,
        Method::PUT,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .contains(method)
}

/// Statuses meaning "a gateway or the service is momentarily unavailable": worth retrying.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
    )
}

/// The wait before retry number `retry` (1-based): exponential, capped, with jitter in
/// `[half, full]` of the capped value.
pub(crate) fn backoff(settings: &ClientSettings, retry: u32) -> Duration {
    let doublings = retry.saturating_sub(1).min(30);
    let full = settings
        .retry_initial_backoff
        .saturating_mul(1_u32 << doublings)
        .min(settings.retry_max_backoff);
    let half = full / 2;
    let jitter_nanos = u64::try_from((full - half).as_nanos()).unwrap_or(u64::MAX);
    half + Duration::from_nanos(rand::rng().random_range(0..=jitter_nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_bounds_and_is_capped() {
        let settings = ClientSettings {
            retry_initial_backoff: Duration::from_millis(100),
            retry_max_backoff: Duration::from_millis(350),
            ..ClientSettings::default()
        };
        let cases = [(1, 100), (2, 200), (3, 350), (10, 350)];
        for (retry, full_millis) in cases {
            for _ in 0..50 {
                let wait = backoff(&settings, retry);
                let full = Duration::from_millis(full_millis);
                assert!(
                    wait >= full / 2 && wait <= full,
                    "retry {retry}: {wait:?} not in [{:?}, {full:?}]",
                    full / 2
                );
            }
        }
    }

    #[test]
    fn only_safe_methods_are_idempotent() {
        for method in [
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::DELETE,
            Method::OPTIONS,
        ] {
            assert!(is_idempotent(&method), "{method}");
        }
        for method in [Method::POST, Method::PATCH] {
            assert!(!is_idempotent(&method), "{method}");
        }
    }

    #[test]
    fn only_gateway_statuses_are_retryable() {
        assert!(is_retryable_status(StatusCode::SERVICE_UNAVAILABLE));
        assert!(is_retryable_status(StatusCode::BAD_GATEWAY));
        assert!(is_retryable_status(StatusCode::GATEWAY_TIMEOUT));
        assert!(!is_retryable_status(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(!is_retryable_status(StatusCode::NOT_FOUND));
    }
}
