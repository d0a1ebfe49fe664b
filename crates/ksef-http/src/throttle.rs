//! Proactive client-side throttling from the catalogue's `x-rate-limits`.
//!
//! KSeF counts requests per (context, IP) in sliding windows of 1 s, 60 s and 1 h and answers a
//! violation with 429 and a block that grows with repeated violations. The throttle keeps the
//! same windows on the client, per rate-limit group, and delays a request until every window
//! has room, so a well-behaved client never sees a 429 from its own bursts.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use ksef_model::catalogue::{
    GLOBAL_GROUP, GLOBAL_RATE_LIMIT, OperationMeta, RATE_WINDOWS, RateLimit, sliding_window_wait,
};
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

    /// Waits until `op` may be sent, then records it: in the operation's group
    /// ([`RateLimit::group_name`], the 2.9 groups of `x-rate-limits`) and in the per-IP
    /// [`GLOBAL_GROUP`] every operation counts in.
    pub async fn acquire(&self, op: &'static OperationMeta) {
        if !self.config.enabled {
            return;
        }
        let Some(limit) = op.rate_limit else { return };
        let group = (limit.group_name(), self.scaled(&limit));
        let global = (GLOBAL_GROUP, self.scaled(&GLOBAL_RATE_LIMIT));
        loop {
            let wait = {
                let mut groups = self.groups.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                let wait = [group, global]
                    .iter()
                    .map(|(key, limits)| {
                        let stamps = groups.entry(key).or_default();
                        // Times older than the longest limited window no longer matter.
                        let horizon = RATE_WINDOWS
                            .iter()
                            .zip(limits)
                            .filter(|(_, l)| l.is_some())
                            .map(|(w, _)| *w)
                            .max()
                            .unwrap_or_default();
                        while stamps
                            .front()
                            .is_some_and(|t| now.duration_since(*t) >= horizon)
                        {
                            stamps.pop_front();
                        }
                        sliding_window_wait(
                            stamps.iter().rev().map(|t| now.duration_since(*t)),
                            *limits,
                        )
                    })
                    .max()
                    .unwrap_or_default();
                if wait.is_zero() {
                    for key in [group.0, global.0] {
                        groups.entry(key).or_default().push_back(now);
                    }
                    return;
                }
                wait
            };
            tracing::debug!(
                group = group.0,
                wait_ms = wait.as_millis() as u64,
                "throttling"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// The limits of `limit` per window, scaled by the configured share.
    fn scaled(&self, limit: &RateLimit) -> [Option<usize>; 3] {
        limit
            .windows()
            .map(|l| l.map(|n| ((f64::from(n) * self.config.share).floor() as usize).max(1)))
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
    async fn closing_online_and_batch_sessions_count_in_their_own_2_9_groups() {
        let online = find(Method::Post, "/sessions/online/{referenceNumber}/close").unwrap();
        let batch = find(Method::Post, "/sessions/batch/{referenceNumber}/close").unwrap();
        assert_eq!(online.rate_limit.unwrap().group, Some("onlineSessionClose"));
        assert_eq!(batch.rate_limit.unwrap().group, Some("batchSessionClose"));
        let t = Throttle::new(ThrottleConfig::default());
        let start = Instant::now();
        // 20/s each: 20 + 20 fit the first second because the groups are apart.
        for _ in 0..20 {
            t.acquire(online).await;
            t.acquire(batch).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        t.acquire(online).await;
        assert!(start.elapsed() >= Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn anonymous_operations_share_one_group_and_all_count_globally() {
        let challenge = find(Method::Post, "/auth/challenge").unwrap();
        let keys = find(Method::Get, "/security/public-key-certificates").unwrap();
        assert_eq!(challenge.rate_limit.unwrap().group_name(), "anonymous");
        assert_eq!(keys.rate_limit.unwrap().group_name(), "anonymous");
        let t = Throttle::new(ThrottleConfig::default());
        let start = Instant::now();
        // 60/s shared by the anonymous operations.
        for _ in 0..30 {
            t.acquire(challenge).await;
            t.acquire(keys).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        t.acquire(keys).await;
        assert!(start.elapsed() >= Duration::from_secs(1));

        // The global 75/s caps a mix of groups each below its own limit.
        let t = Throttle::new(ThrottleConfig::default());
        let status = find(
            Method::Get,
            "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}",
        )
        .unwrap(); // invoiceStatus, 30/s
        let start = Instant::now();
        for _ in 0..25 {
            t.acquire(challenge).await;
            t.acquire(keys).await;
            t.acquire(status).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        t.acquire(status).await;
        assert!(start.elapsed() >= Duration::from_secs(1));
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
