//! Limits in force: the session limits of a context (online, batch, collective identifiers) and
//! the certificate limits of a subject, from the TEST overrides or the defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::EmulatorConfig;
use crate::state::{Ident, Store};

/// Limits of one session kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionKindLimits {
    /// Largest invoice without attachments, in MB.
    pub max_invoice_size_mb: u32,
    /// Largest invoice with attachments, in MB.
    pub max_invoice_with_attachment_size_mb: u32,
    /// Invoices per session.
    pub max_invoices: u32,
}

/// The session limits of a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionLimits {
    /// Online (interactive) sessions.
    pub online: SessionKindLimits,
    /// Batch sessions.
    pub batch: SessionKindLimits,
    /// Invoices per collective identifier (API 2.9; states saved before have the default).
    #[serde(default = "default_collective_max_invoices")]
    pub collective_max_invoices: u32,
}

/// The default invoices per collective identifier.
pub(crate) fn default_collective_max_invoices() -> u32 {
    crate::state::collective::DEFAULT_MAX_INVOICES
}

/// Certificate limits of a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectLimits {
    /// Certificate enrollments allowed.
    pub max_enrollments: u32,
    /// Active certificates allowed.
    pub max_certificates: u32,
}

/// Overrides set through `/testdata/limits/...` (`Store::limits`), keyed by
/// `"{type}:{value}"` of the context or subject.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LimitOverrides {
    /// Session limits per context.
    pub session: BTreeMap<String, SessionLimits>,
    /// Certificate limits per subject.
    pub subject: BTreeMap<String, SubjectLimits>,
}

/// The key of a context or subject in [`LimitOverrides`]: `"{type}:{value}"`.
pub(crate) fn key(i: &Ident) -> String {
    format!("{}:{}", i.kind, i.value)
}

fn mb(bytes: u64) -> u32 {
    u32::try_from(bytes.div_ceil(1_000_000)).unwrap_or(u32::MAX)
}

/// The session limits in force for `context`: an override, or the configured defaults.
pub(crate) fn effective_session_limits(
    store: &Store,
    config: &EmulatorConfig,
    context: &Ident,
) -> SessionLimits {
    if let Some(l) = store.limits.session.get(&key(context)) {
        return *l;
    }
    let kind = SessionKindLimits {
        max_invoice_size_mb: mb(config.max_invoice_bytes),
        max_invoice_with_attachment_size_mb: mb(config.max_invoice_with_attachments_bytes),
        max_invoices: u32::try_from(config.max_invoices_per_session).unwrap_or(u32::MAX),
    };
    SessionLimits {
        online: kind,
        batch: kind,
        collective_max_invoices: default_collective_max_invoices(),
    }
}

/// The certificate limits in force for `subject`: an override, or the defaults of its kind
/// (NIP 300 enrollments / 100 certificates, PESEL and fingerprint 12 / 6).
pub(crate) fn effective_subject_limits(store: &Store, subject: &Ident) -> SubjectLimits {
    if let Some(l) = store.limits.subject.get(&key(subject)) {
        return *l;
    }
    if subject.kind == "Nip" {
        SubjectLimits {
            max_enrollments: 300,
            max_certificates: 100,
        }
    } else {
        SubjectLimits {
            max_enrollments: 12,
            max_certificates: 6,
        }
    }
}
