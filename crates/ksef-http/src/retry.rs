//! When and how long to wait before repeating a call.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// Retry settings.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The first backoff ceiling; it doubles with each attempt.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// The longest `Retry-After` the client waits by itself; a longer one is returned as
    /// [`crate::Error::RateLimited`] so the caller can decide.
    pub max_retry_after: Duration,
    /// Whether backoff is randomised over `[0, ceiling]` ("full jitter"); disable only for tests.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff before attempt `attempt + 1` (`attempt` counts from 1): exponential growth
    /// capped at `max_delay`, with full jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        if self.jitter {
            let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos(fastrand::u64(0..=nanos))
        } else {
            ceiling
        }
    }
}

/// Reads `Retry-After`: delta seconds or an HTTP date (relative to `now`).
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Whether a call may be repeated after it may have reached the server: idempotent methods, and
/// the POST operations that only read (queries) or whose repetition is harmless (a new
/// challenge, another refresh of the access token). Everything else — opening sessions, sending
/// invoices, granting permissions, redeeming tokens — is repeated only when the request
/// certainly did not reach the server (connection refused) or was rejected unprocessed (429).
pub fn is_safe_to_repeat(op: &ksef_model::catalogue::OperationMeta) -> bool {
    op.is_idempotent()
        || op.path.contains("/query")
        || matches!(
            op.path,
            "/auth/challenge" | "/auth/token/refresh" | "/certificates/retrieve"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, "30".parse().unwrap());
        assert_eq!(
            retry_after(&h, SystemTime::now()),
            Some(Duration::from_secs(30))
        );
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        h.insert(http::header::RETRY_AFTER, later.parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(90)));
        h.insert(http::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(1), Duration::from_millis(500));
        assert_eq!(p.backoff(2), Duration::from_secs(1));
        assert_eq!(p.backoff(20), Duration::from_secs(30));
        let j = RetryPolicy::default();
        for _ in 0..100 {
            assert!(j.backoff(3) <= Duration::from_secs(2));
        }
    }
}
