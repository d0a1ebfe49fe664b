//! Proactive client-side throttling from the catalogue's `x-rate-limits`.
//!
//! KSeF counts requests per (context, IP) in sliding windows of 1 s, 60 s and 1 h and answers a
//! violation with 429 and a block that grows with repeated violations. The throttle keeps the
//! same windows on the client, per rate-limit group, and delays a request until every window
//! has room, so a well-behaved client never sees a 429 from its own bursts.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use ksef_model::catalogue::{OperationMeta, RATE_WINDOWS, sliding_window_wait};
use tokio::time::Instant;

/// Throttle settings.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    /// Whether throttling is on.
    pub enabled: bool,
    /// Fraction of each published limit to use (1.0 = the full limit). Lower it when several
    /// processes share one context and IP.
    pub share: f64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            share: 1.0,
        }
    }
}

/// Sliding-window counters per rate-limit group.
#[derive(Debug)]
pub struct Throttle {
    config: ThrottleConfig,
    groups: Mutex<HashMap<&'static str, VecDeque<Instant>>>,
}

impl Throttle {
    /// A throttle with the given settings.
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            groups: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until `op` may be sent, then records it.
    pub async fn acquire(&self, op: &'static OperationMeta) {
        if !self.config.enabled {
            return;
        }
        let Some(limit) = op.rate_limit else { return };
        let key = limit.group.unwrap_or(op.name);
        let limits = [limit.per_second, limit.per_minute, limit.per_hour]
            .map(|l| l.map(|n| ((f64::from(n) * self.config.share).floor() as usize).max(1)));
        loop {
            let wait = {
                let mut groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
                let stamps = groups.entry(key).or_default();
                let now = Instant::now();
                while stamps
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= RATE_WINDOWS[2])
                {
                    stamps.pop_front();
                }
                let wait = sliding_window_wait(
                    stamps.iter().rev().map(|t| now.duration_since(*t)),
                    limits,
                );
                if wait.is_zero() {
                    stamps.push_back(now);
                    return;
                }
                wait
            };
            tracing::debug!(group = key, wait_ms = wait.as_millis() as u64, "throttling");
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ksef_model::catalogue::Method;
    use ksef_model::operations::find;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn spreads_a_burst_over_the_windows() {
        let op = find(Method::Get, "/sessions").unwrap(); // 5/s, 10/min, 60/h
        let t = Throttle::new(ThrottleConfig::default());
        let start = Instant::now();
        for _ in 0..10 {
            t.acquire(op).await;
        }
        // 5 in the first second, 5 more after it.
        assert!(start.elapsed() >= Duration::from_secs(1));
        assert!(start.elapsed() < Duration::from_secs(2));
        // The 11th must wait for the minute window.
        t.acquire(op).await;
        assert!(start.elapsed() >= Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn disabled_does_not_wait() {
        let op = find(Method::Get, "/sessions").unwrap();
        let t = Throttle::new(ThrottleConfig {
            enabled: false,
            share: 1.0,
        });
        let start = Instant::now();
        for _ in 0..100 {
            t.acquire(op).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
