//! Which failures are retried and how long to wait before the next attempt.

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

/// The server's `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // Not in the RFC, but some proxies send fractional seconds; honour them rather than guess.
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
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
        .base_backoff
        .saturating_mul(doubling)
        .min(config.max_backoff);
    let half = full / 2;
    let random = Duration::try_from_secs_f64(half.as_secs_f64() * fastrand::f64()).unwrap_or(half);
    half.saturating_add(random.min(half))
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
