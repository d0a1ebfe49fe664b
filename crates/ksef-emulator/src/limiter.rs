//! Server-side request limits: sliding windows of 1 s, 60 s and 1 h per (context or anonymous,
//! client IP, rate-limit group), as the API counts them.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ksef_model::catalogue::OperationMeta;

use crate::config::RateLimitMode;

const WINDOWS: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(60),
    Duration::from_secs(3600),
];

/// The counters.
#[derive(Debug)]
pub struct Limiter {
    mode: RateLimitMode,
    counters: Mutex<HashMap<(String, String, &'static str), VecDeque<Instant>>>,
}

impl Limiter {
    /// A limiter in `mode`.
    pub fn new(mode: RateLimitMode) -> Self {
        Self {
            mode,
            counters: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request; `Err(seconds)` when it exceeds a limit (the request is still counted
    /// as an attempt, as the real service counts violations).
    pub fn check(&self, op: &'static OperationMeta, who: &str, ip: &str) -> Result<(), u64> {
        let factor = match self.mode {
            RateLimitMode::Off => return Ok(()),
            RateLimitMode::Spec => 1.0,
            RateLimitMode::Scaled(f) => f,
        };
        let Some(limit) = op.rate_limit else {
            return Ok(());
        };
        let group = limit.group.unwrap_or(op.name);
        let limits = [limit.per_second, limit.per_minute, limit.per_hour]
            .map(|l| l.map(|n| ((f64::from(n) * factor).floor() as usize).max(1)));
        let now = Instant::now();
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let stamps = counters
            .entry((who.to_owned(), ip.to_owned(), group))
            .or_default();
        while stamps
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOWS[2])
        {
            stamps.pop_front();
        }
        let mut wait = Duration::ZERO;
        for (window, limit) in WINDOWS.iter().zip(limits) {
            let Some(limit) = limit else { continue };
            let in_window = stamps
                .iter()
                .rev()
                .take_while(|t| now.duration_since(**t) < *window)
                .count();
            if in_window >= limit
                && let Some(oldest) = stamps.get(stamps.len() - limit)
            {
                wait = wait.max(*window - now.duration_since(*oldest));
            }
        }
        if wait.is_zero() {
            stamps.push_back(now);
            Ok(())
        } else {
            Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        }
    }
}
