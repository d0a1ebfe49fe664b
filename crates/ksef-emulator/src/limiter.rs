//! Server-side request limits: sliding windows of 1 s, 60 s and 1 h per (context or anonymous,
//! client IP, rate-limit group), as the API counts them.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use ksef_model::catalogue::{
    GLOBAL_GROUP, GLOBAL_RATE_LIMIT, OperationMeta, RATE_WINDOWS, RateLimit, sliding_window_wait,
};

use crate::config::RateLimitMode;

/// Requests per second, minute and hour of one rate-limit group.
pub(crate) type GroupLimits = [u32; 3];

/// Request times per (who, client IP, group).
type Counters = HashMap<(String, String, &'static str), VecDeque<Instant>>;

/// The counters.
#[derive(Debug)]
pub(crate) struct Limiter {
    mode: RateLimitMode,
    counters: Mutex<Counters>,
    /// Limits set for a context (`who`) through `/testdata/rate-limits`, by group name.
    overrides: Mutex<HashMap<String, HashMap<String, GroupLimits>>>,
}

/// The spec's limits of a group (`x-rate-limits` of its first operation; the global group's
/// from the catalogue). `u32::MAX` stands for no limit in a window.
pub(crate) fn spec_group_limits(group: &str) -> Option<GroupLimits> {
    let windows = |limit: &RateLimit| limit.windows().map(|l| l.unwrap_or(u32::MAX));
    if group == GLOBAL_GROUP {
        return Some(windows(&GLOBAL_RATE_LIMIT));
    }
    ksef_model::operations::OPERATIONS.iter().find_map(|op| {
        let limit = op.rate_limit?;
        (limit.group_name() == group).then(|| windows(&limit))
    })
}

impl Limiter {
    /// A limiter in `mode`.
    pub(crate) fn new(mode: RateLimitMode) -> Self {
        Self {
            mode,
            counters: Mutex::new(HashMap::new()),
            overrides: Mutex::new(HashMap::new()),
        }
    }

    /// Sets the limits of the context `who` (`"{type}:{value}"`) per group; they replace the
    /// configured ones for those groups (also when limits are off).
    pub(crate) fn set_overrides(&self, who: &str, limits: HashMap<String, GroupLimits>) {
        self.overrides
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(who.to_owned(), limits);
    }

    /// Restores the configured limits of the context `who`.
    pub(crate) fn clear_overrides(&self, who: &str) {
        self.overrides
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(who);
    }

    /// The limits in force for `group` in the context `who`; `None` when nothing is enforced.
    pub(crate) fn effective(&self, group: &str, who: &str) -> Option<GroupLimits> {
        if let Some(l) = self
            .overrides
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(who)
            .and_then(|m| m.get(group))
        {
            return Some(*l);
        }
        let factor = match self.mode {
            RateLimitMode::Off => return None,
            RateLimitMode::Spec => 1.0,
            RateLimitMode::Scaled(f) => f,
        };
        spec_group_limits(group).map(|l| {
            l.map(|n| {
                if n == u32::MAX {
                    n
                } else {
                    ((f64::from(n) * factor).floor() as u32).max(1)
                }
            })
        })
    }

    /// Counts a request in its group (per context or anonymous, and client IP) and in the
    /// per-IP global group; `Err(seconds)` when it exceeds a limit of either (the request is
    /// still counted as an attempt, as the real service counts violations).
    pub(crate) fn check(&self, op: &'static OperationMeta, who: &str, ip: &str) -> Result<(), u64> {
        let Some(limit) = op.rate_limit else {
            return Ok(());
        };
        let group = limit.group_name();
        let mut waits = Vec::with_capacity(2);
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        for (who, group) in [(who, group), ("", GLOBAL_GROUP)] {
            let Some(limits) = self.effective(group, who) else {
                continue;
            };
            let limits = limits.map(|n| (n != u32::MAX).then_some(n as usize));
            let horizon = RATE_WINDOWS
                .iter()
                .zip(limits)
                .filter(|(_, l)| l.is_some())
                .map(|(w, _)| *w)
                .max()
                .unwrap_or_default();
            let stamps = counters
                .entry((who.to_owned(), ip.to_owned(), group))
                .or_default();
            while stamps
                .front()
                .is_some_and(|t| now.duration_since(*t) >= horizon)
            {
                stamps.pop_front();
            }
            waits.push((
                sliding_window_wait(stamps.iter().rev().map(|t| now.duration_since(*t)), limits),
                who.to_owned(),
                group,
            ));
        }
        let wait = waits.iter().map(|(w, _, _)| *w).max().unwrap_or_default();
        if wait.is_zero() {
            for (_, who, group) in waits {
                counters
                    .entry((who, ip.to_owned(), group))
                    .or_default()
                    .push_back(now);
            }
            Ok(())
        } else {
            Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
        }
    }
}
