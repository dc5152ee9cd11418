//! Which failures are retried, how long to wait before the next attempt, and the budget of
//! attempts and waiting one call may spend.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

use crate::config::RetryConfig;
use crate::error::Error;

/// Methods whose repetition cannot change the outcome, so any transient failure may be retried.
pub(crate) fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// 429 is retried for every method: the server refused the call before acting on it.
/// 5xx gateway/unavailable statuses may come after the server acted, so only idempotent calls retry.
pub(crate) fn status_is_retryable(status: StatusCode, method: &Method) -> bool {
    match status {
        StatusCode::TOO_MANY_REQUESTS => true,
        StatusCode::INTERNAL_SERVER_ERROR
        | StatusCode::BAD_GATEWAY
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::GATEWAY_TIMEOUT => is_idempotent(method),
        _ => false,
    }
}

/// A connection that was never established means nothing was sent, so even a POST may be retried;
/// any other transport failure (reset, timeout mid-way) may have reached the server.
pub(crate) fn transport_is_retryable(error: &Error, method: &Method) -> bool {
    let connect = match error {
        Error::Transport { source, .. } => source.is_connect(),
        Error::Timeout { source, .. } => source
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_connect),
        _ => return false,
    };
    connect || is_idempotent(method)
}

/// The server's `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). A delay too
/// long for a `Duration` (`18446744073709551616`, `1e308`) is [`Duration::MAX`]: a wait never
/// started, not a missing header that the short backoff would replace.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(
            value
                .parse::<u64>()
                .map_or(Duration::MAX, Duration::from_secs),
        );
    }
    // Not in the RFC, but some proxies send fractional seconds; honour them rather than guess.
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_nan() || seconds < 0.0 {
            return None;
        }
        return Some(Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Exponential backoff with "equal jitter" for the `retry`-th retry (1-based): half of the
/// doubled delay is fixed so a retry never fires immediately, half is random so many clients
/// hit by the same outage do not retry in lock-step.
pub(crate) fn backoff(config: &RetryConfig, retry: u32) -> Duration {
    let doubling = 2u32.saturating_pow(retry.saturating_sub(1));
    let full = config
        .first_backoff()
        .saturating_mul(doubling)
        .min(config.backoff_cap());
    let half = full / 2;
    let random = Duration::try_from_secs_f64(half.as_secs_f64() * fastrand::f64()).unwrap_or(half);
    half.saturating_add(random.min(half))
}

/// The random extra wait after a `Retry-After` of `after`: uniform in `[0, after / 2]`.
pub(crate) fn retry_after_jitter(after: Duration) -> Duration {
    let half = after / 2;
    Duration::try_from_secs_f64(half.as_secs_f64() * fastrand::f64()).unwrap_or(half)
}

/// What one logical call has spent of its retry allowance: the attempts sent and the time waited
/// between them.
///
/// Created once per call and handed to every attempt of it, including the refetches of a
/// streamed page whose body broke off: each of those is another attempt of the same call, so it
/// draws on the same allowance instead of starting a fresh one, and the total-wait cap
/// ([`RetryConfig::max_total_wait`]) bounds the whole call.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    attempts: u32,
    waited: Duration,
}

impl Budget {
    /// The budget of a call that has not been sent yet.
    pub(crate) fn new() -> Budget {
        Budget::default()
    }

    /// Counts an attempt about to be sent.
    pub(crate) fn start_attempt(&mut self) {
        self.attempts = self.attempts.saturating_add(1);
    }

    /// How many attempts have been sent.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The wait before another attempt, or `None` when the budget does not allow one: the
    /// attempts are used up, or the wait would take the call past its total-wait cap (such a
    /// wait is not started, since the call would fail at its end anyway). The wait is the
    /// server's `Retry-After` when it sent one, else the backoff for this retry. A `Retry-After`
    /// too long to hold ([`Duration::MAX`]) is never waited for, whatever the cap.
    pub(crate) fn next_wait(
        &self,
        config: &RetryConfig,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if self.attempts >= config.attempts() {
            return None;
        }
        let wait = retry_after.unwrap_or_else(|| backoff(config, self.attempts));
        let fits =
            wait < Duration::MAX && self.waited.saturating_add(wait) <= config.total_wait_cap();
        if !fits {
            return None;
        }
        match retry_after {
            // Everyone told `Retry-After: 1` at the same moment would come back at the same
            // moment: up to half of it again is added at random, within what the cap leaves.
            Some(after) => {
                let room = config
                    .total_wait_cap()
                    .saturating_sub(self.waited.saturating_add(after));
                Some(after.saturating_add(retry_after_jitter(after).min(room)))
            }
            None => Some(wait),
        }
    }

    /// Counts a wait that was spent.
    pub(crate) fn spend(&mut self, wait: Duration) {
        self.waited = self.waited.saturating_add(wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_doubles_within_bounds() {
        let config = RetryConfig::default()
            .base_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        for retry in 1..40 {
            let full = (100u64 << (retry - 1).min(10)).min(1000);
            let wait = backoff(&config, retry).as_millis() as u64;
            assert!(wait >= full / 2 && wait <= full, "retry {retry}: {wait}");
        }
        let huge = RetryConfig::default()
            .base_backoff(Duration::MAX)
            .max_backoff(Duration::MAX);
        assert!(backoff(&huge, u32::MAX) >= Duration::MAX / 2);
    }

    #[test]
    fn budget_bounds_attempts_and_total_wait() {
        let config = RetryConfig::default()
            .max_attempts(3)
            .max_total_wait(Duration::from_secs(10));
        let mut budget = Budget::new();
        budget.start_attempt();
        let seven = Some(Duration::from_secs(7));
        // Retry-After is honoured with up to half of it again as jitter, within the cap.
        let first = budget.next_wait(&config, seven).unwrap();
        assert!(first >= Duration::from_secs(7) && first <= Duration::from_secs(10));
        budget.spend(Duration::from_secs(7));
        budget.start_attempt();
        // 7 s waited: another 7 s would cross the 10 s cap, 3 s would not (and no jitter fits).
        assert_eq!(budget.next_wait(&config, seven), None);
        let three = Some(Duration::from_secs(3));
        assert_eq!(budget.next_wait(&config, three), three);
        budget.spend(Duration::from_secs(3));
        budget.start_attempt();
        assert_eq!(budget.attempts(), 3);
        assert_eq!(budget.next_wait(&config, Some(Duration::ZERO)), None);

        let unbounded = RetryConfig::default().max_total_wait(Duration::MAX);
        let budget = Budget::new();
        assert_eq!(budget.next_wait(&unbounded, Some(Duration::MAX)), None);
    }

    #[test]
    fn retry_after_jitter_spreads_within_half() {
        let after = Duration::from_secs(1);
        let waits: Vec<Duration> = (0..200).map(|_| retry_after_jitter(after)).collect();
        assert!(waits.iter().all(|w| *w <= after / 2));
        let spread = *waits.iter().max().unwrap() - *waits.iter().min().unwrap();
        assert!(spread > Duration::from_millis(300), "{spread:?}");
        assert_eq!(retry_after_jitter(Duration::ZERO), Duration::ZERO);
        assert!(retry_after_jitter(Duration::MAX) <= Duration::MAX / 2);
    }

    #[test]
    fn retry_after_forms() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static(" 3 "));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("0.5"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(500)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("NaN"));
        assert_eq!(retry_after(&headers), None);
        for absurd in ["18446744073709551616", "1e308", "inf", "1e20"] {
            headers.insert(RETRY_AFTER, HeaderValue::from_static(absurd));
            assert_eq!(retry_after(&headers), Some(Duration::MAX), "{absurd}");
        }
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("18446744073709551615"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(u64::MAX)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&later).unwrap());
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30));
    }

    #[test]
    fn retryable_statuses() {
        assert!(status_is_retryable(
            StatusCode::TOO_MANY_REQUESTS,
            &Method::POST
        ));
        assert!(status_is_retryable(
            StatusCode::SERVICE_UNAVAILABLE,
            &Method::GET
        ));
        assert!(!status_is_retryable(
            StatusCode::INTERNAL_SERVER_ERROR,
            &Method::POST
        ));
        assert!(!status_is_retryable(StatusCode::NOT_FOUND, &Method::GET));
    }
}
