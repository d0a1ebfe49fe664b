//! Seeded fault injection.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::Faults;

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Nothing special.
    None,
    /// Answer 500 without processing.
    InternalError,
    /// Answer 502 without processing.
    BadGateway,
    /// Answer 503 without processing.
    Unavailable,
    /// Answer a WAF-style HTML 503 page without processing.
    WafHtml,
    /// Answer 429 with `Retry-After` without processing.
    TooManyRequests,
    /// Reset the connection without processing.
    Reset,
    /// Delay the response.
    Slow,
    /// Process the request (its effect is committed), then reset the connection instead of
    /// answering.
    DropAfterCommit,
}

/// Draws faults from a seeded generator.
#[derive(Debug)]
pub(crate) struct FaultGenerator {
    config: Faults,
    rng: Mutex<StdRng>,
}

impl FaultGenerator {
    /// A generator for `config`.
    pub(crate) fn new(config: Faults) -> Self {
        let rng = StdRng::seed_from_u64(config.seed);
        Self {
            config,
            rng: Mutex::new(rng),
        }
    }

    /// The slow-response delay.
    pub(crate) fn slow_ms(&self) -> u64 {
        self.config.slow_ms
    }

    /// The `Retry-After` of an injected 429, in seconds.
    pub(crate) fn retry_after_secs(&self) -> u64 {
        self.config.retry_after_secs
    }

    /// The throttle of pre-signed storage transfers in bytes per second (0: none).
    pub(crate) fn storage_bytes_per_sec(&self) -> u64 {
        self.config.storage_bytes_per_sec
    }

    /// Draws the fault for the next request to operation `op`.
    pub(crate) fn draw(&self, op: &str) -> Fault {
        let c = &self.config;
        if !c.any() || (!c.operations.is_empty() && !c.operations.iter().any(|o| o == op)) {
            return Fault::None;
        }
        let x: f64 = self.rng.lock().unwrap_or_else(|p| p.into_inner()).r#gen();
        let table = [
            (c.internal_error, Fault::InternalError),
            (c.bad_gateway, Fault::BadGateway),
            (c.unavailable, Fault::Unavailable),
            (c.waf_html, Fault::WafHtml),
            (c.too_many_requests, Fault::TooManyRequests),
            (c.reset, Fault::Reset),
            (c.slow, Fault::Slow),
            (c.drop_after_commit, Fault::DropAfterCommit),
        ];
        let mut acc = 0.0;
        for (p, fault) in table {
            acc += p;
            if x < acc {
                return fault;
            }
        }
        Fault::None
    }
}
