//! KSeF certificates issued by the emulator and their enrollments (`Store::certificates`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::state::Ident;

/// A certificate enrollment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EnrollmentRecord {
    /// Reference number.
    pub reference: String,
    /// The subject that asked.
    pub subject: Ident,
    /// When.
    pub requested: OffsetDateTime,
    /// When the status turns final.
    pub ready_at: OffsetDateTime,
    /// Final status: code, description, details.
    pub outcome: (i32, String, Vec<String>),
    /// The issued certificate's serial number (status 200).
    pub serial: Option<String>,
}

/// An issued KSeF certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateRecord {
    /// 16 upper-case hex digits.
    pub serial: String,
    /// The name given by the requester.
    pub name: String,
    /// `Authentication` or `Offline`.
    pub certificate_type: String,
    /// The subject's common name.
    pub common_name: String,
    /// The owner.
    pub subject: Ident,
    /// DER, base64.
    pub der_b64: String,
    /// SHA-256 of the subject public key info (hex), to refuse a key certified twice.
    pub key_hash: String,
    /// Validity start.
    pub valid_from: OffsetDateTime,
    /// Validity end.
    pub valid_to: OffsetDateTime,
    /// When it was requested.
    pub requested: OffsetDateTime,
    /// From when it is listed (the enrollment finished).
    pub available_from: OffsetDateTime,
    /// `Active`, `Blocked` or `Revoked` (`Expired` is computed).
    pub status: String,
    /// Revocation reason, if revoked.
    pub revocation_reason: Option<String>,
}

impl CertificateRecord {
    /// The status now.
    pub fn status_at(&self, now: OffsetDateTime) -> &str {
        if self.status == "Active" && now >= self.valid_to {
            "Expired"
        } else {
            &self.status
        }
    }
}

/// Everything this area keeps (`Store::certificates`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CertificateStore {
    /// Enrollments by reference number.
    pub enrollments: BTreeMap<String, EnrollmentRecord>,
    /// Certificates by serial number.
    pub certificates: BTreeMap<String, CertificateRecord>,
}
