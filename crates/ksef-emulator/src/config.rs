//! Emulator settings: from defaults, a JSON file, or command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// How the emulator enforces the published request limits.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", tag = "mode", content = "factor")]
pub enum RateLimitMode {
    /// The limits of the spec's `x-rate-limits`, per (context, client IP).
    Spec,
    /// The spec's limits multiplied by a factor (e.g. 10 for TEST's historical 10×).
    Scaled(f64),
    /// No limits.
    Off,
}

/// Fault injection, for testing how clients recover. Probabilities are per request to an API
/// operation, from 0 to 1; at most one fault is drawn per request, so their sum should stay at
/// or below 1. In a JSON configuration the names are camelCase (`tooManyRequests`,
/// `storageBytesPerSec` …), as on the command line (`--fault tooManyRequests=0.05`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Faults {
    /// Seed of the fault generator (the same seed gives the same sequence of decisions).
    pub seed: u64,
    /// Probability of a JSON 500.
    pub internal_error: f64,
    /// Probability of a 502.
    pub bad_gateway: f64,
    /// Probability of a JSON 503.
    pub unavailable: f64,
    /// Probability of a WAF-style HTML 503 page.
    pub waf_html: f64,
    /// Probability of a 429 with a `Retry-After` header (of `retry_after_secs`), in the API's
    /// error format, without processing.
    pub too_many_requests: f64,
    /// `Retry-After` of an injected 429 in seconds (default 1).
    pub retry_after_secs: u64,
    /// Probability of a connection reset (a TCP `RST`) before the request is processed.
    pub reset: f64,
    /// Probability of a slow response (by `slow_ms`).
    pub slow: f64,
    /// Delay of a slow response in milliseconds.
    pub slow_ms: u64,
    /// Probability that the request is processed and committed but the connection is reset
    /// (a TCP `RST`) instead of answering (the case that tests duplicate safety).
    pub drop_after_commit: f64,
    /// Throttle of the pre-signed storage URLs (batch part uploads, export part and UPO
    /// downloads) in bytes per second, per transfer; 0 (default): full speed.
    pub storage_bytes_per_sec: u64,
    /// Operation names (from the catalogue, e.g.
    /// `post_sessions_online_by_reference_number_invoices`) the faults apply to; empty: all.
    pub operations: Vec<String>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            seed: 0,
            internal_error: 0.0,
            bad_gateway: 0.0,
            unavailable: 0.0,
            waf_html: 0.0,
            too_many_requests: 0.0,
            retry_after_secs: 1,
            reset: 0.0,
            slow: 0.0,
            slow_ms: 2000,
            drop_after_commit: 0.0,
            storage_bytes_per_sec: 0,
            operations: Vec::new(),
        }
    }
}

impl Faults {
    /// Whether any fault can happen.
    pub fn any(&self) -> bool {
        self.internal_error
            + self.bad_gateway
            + self.unavailable
            + self.waf_html
            + self.too_many_requests
            + self.reset
            + self.slow
            + self.drop_after_commit
            > 0.0
    }
}

/// Emulator settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EmulatorConfig {
    /// Where to listen (default `127.0.0.1:0`, an ephemeral port).
    pub listen: SocketAddr,
    /// The public base URL used in returned links (pre-signed URLs); default derived from the
    /// listening address.
    pub public_url: Option<String>,
    /// Lifetime of access tokens in seconds (default 900, as the spec's examples).
    pub access_token_ttl_secs: u64,
    /// Lifetime of refresh tokens in seconds (default 7 days).
    pub refresh_token_ttl_secs: u64,
    /// Lifetime of authentication-operation tokens in seconds (default 2700).
    pub operation_token_ttl_secs: u64,
    /// How long a challenge is valid in seconds (default 600).
    pub challenge_ttl_secs: u64,
    /// How long an authentication stays at status 100 (default 100 ms).
    pub auth_processing_ms: u64,
    /// How long an invoice stays at status 150 before its final status (default 0).
    pub invoice_processing_ms: u64,
    /// How long an accepted invoice is "not yet available" for download (21165) (default 0).
    pub download_delay_ms: u64,
    /// How long batch processing takes after close (default 0).
    pub batch_processing_ms: u64,
    /// Request limits.
    pub rate_limits: RateLimitMode,
    /// Fault injection.
    pub faults: Faults,
    /// A system warning added as `X-System-Warning` to every success response.
    pub system_warning: Option<String>,
    /// Where to keep state across restarts (none: in memory only).
    pub data_dir: Option<PathBuf>,
    /// Largest invoice in bytes (default 1,000,000; 3,000,000 with attachments).
    pub max_invoice_bytes: u64,
    /// Largest invoice with attachments in bytes (default 3,000,000).
    pub max_invoice_with_attachments_bytes: u64,
    /// Invoices per session (default 10,000).
    pub max_invoices_per_session: u64,
    /// RSA key size of the emulator's own Ministry keys (default 2048).
    pub rsa_bits: usize,
    /// Largest total decompressed size of a batch package; more is treated as a decompression
    /// bomb (status 430) (default 1,000,000,000).
    pub max_batch_unpacked_bytes: u64,
    /// Time allowed for uploads and close of a batch session, per declared part, in seconds
    /// (default 1200: 20 minutes, as documented).
    pub batch_upload_secs_per_part: u64,
    /// How far the High Water Mark trails the clock beyond `invoice_processing_ms`, in
    /// milliseconds (default 100).
    pub hwm_lag_ms: u64,
    /// How long an export stays at status 100 at least (default 0).
    pub export_processing_ms: u64,
    /// Largest part of an export package in bytes (default 50,000,000).
    pub export_part_size: u64,
    /// Most invoice data (compressed) in one export package in bytes (default 1,000,000,000).
    pub export_max_package_bytes: u64,
    /// Most invoices in one export package (default 10,000).
    pub export_max_invoices: u64,
    /// How long a built package can be downloaded, in seconds (default 7 days; then status 210).
    pub export_package_ttl_secs: u64,
    /// How long an export's status is kept, in seconds (default 7 days; then 410).
    pub export_retention_secs: u64,
    /// Concurrent exports per context and subject (default 10; more: 21182).
    pub max_concurrent_exports: u64,
    /// How often the state is saved to `data_dir` when it changed, in milliseconds (default 1000).
    pub persist_interval_ms: u64,
    /// How long a new KSeF token stays `Pending` before it turns `Active`, in milliseconds
    /// (default 0: active at once).
    pub token_activation_ms: u64,
    /// How long a permission grant or revocation stays at status 100, in milliseconds
    /// (default 0).
    pub permission_processing_ms: u64,
    /// How long a certificate enrollment stays at status 100, in milliseconds (default 0).
    pub certificate_processing_ms: u64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 7 * 24 * 3600,
            operation_token_ttl_secs: 2700,
            challenge_ttl_secs: 600,
            auth_processing_ms: 100,
            invoice_processing_ms: 0,
            download_delay_ms: 0,
            batch_processing_ms: 0,
            rate_limits: RateLimitMode::Spec,
            faults: Faults::default(),
            system_warning: None,
            data_dir: None,
            max_invoice_bytes: 1_000_000,
            max_invoice_with_attachments_bytes: 3_000_000,
            max_invoices_per_session: 10_000,
            rsa_bits: 2048,
            max_batch_unpacked_bytes: 1_000_000_000,
            batch_upload_secs_per_part: 1200,
            hwm_lag_ms: 100,
            export_processing_ms: 0,
            export_part_size: 50_000_000,
            export_max_package_bytes: 1_000_000_000,
            export_max_invoices: 10_000,
            export_package_ttl_secs: 7 * 24 * 3600,
            export_retention_secs: 7 * 24 * 3600,
            max_concurrent_exports: 10,
            persist_interval_ms: 1000,
            token_activation_ms: 0,
            permission_processing_ms: 0,
            certificate_processing_ms: 0,
        }
    }
}

/// The longest duration the emulator accepts in its settings: about 100 years. Longer values
/// are cut to it, so that adding them to the clock can never leave the representable dates.
pub const MAX_DURATION_SECS: u64 = 100 * 365 * 24 * 3600;

impl EmulatorConfig {
    /// The settings with every duration cut to [`MAX_DURATION_SECS`] (milliseconds to its
    /// thousandfold). The emulator applies this at start, so a huge value in a configuration
    /// file means "practically forever" instead of an overflow.
    pub fn bounded(mut self) -> Self {
        let max_ms = MAX_DURATION_SECS * 1000;
        for secs in [
            &mut self.access_token_ttl_secs,
            &mut self.refresh_token_ttl_secs,
            &mut self.operation_token_ttl_secs,
            &mut self.challenge_ttl_secs,
            &mut self.batch_upload_secs_per_part,
            &mut self.export_package_ttl_secs,
            &mut self.export_retention_secs,
            &mut self.faults.retry_after_secs,
        ] {
            *secs = (*secs).min(MAX_DURATION_SECS);
        }
        for ms in [
            &mut self.auth_processing_ms,
            &mut self.invoice_processing_ms,
            &mut self.download_delay_ms,
            &mut self.batch_processing_ms,
            &mut self.hwm_lag_ms,
            &mut self.export_processing_ms,
            &mut self.persist_interval_ms,
            &mut self.token_activation_ms,
            &mut self.permission_processing_ms,
            &mut self.certificate_processing_ms,
            &mut self.faults.slow_ms,
        ] {
            *ms = (*ms).min(max_ms);
        }
        self
    }

    /// Reads a JSON configuration file (every field optional).
    pub fn from_json_file(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text)
            .map_err(|e| format!("bad configuration {}: {e}", path.display()))
    }
}
