//! The emulator's certificate authority for KSeF certificates: a P-256 key and a self-signed
//! CA certificate generated once per process, and the issuing of end-entity certificates.

use std::sync::OnceLock;

use ksef_crypto::credentials::{Certificate, SigningKey};
use ksef_crypto::csr::DnAttributes;
use ksef_crypto::x509_build::{
    CertificateFields, issue_certificate, random_serial_number, spki_of,
};
use time::OffsetDateTime;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

/// The CA: its key and certificate.
pub(super) struct Ca {
    key: SigningKey,
    name: Name,
    certificate: Certificate,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca")
            .field("key", &"[redacted]")
            .field("certificate", &self.certificate.subject_name())
            .finish()
    }
}

/// The process-wide CA (created on first use).
pub(super) fn ca() -> Result<&'static Ca, String> {
    static CA: OnceLock<Result<Ca, String>> = OnceLock::new();
    CA.get_or_init(Ca::generate).as_ref().map_err(Clone::clone)
}

/// A fresh positive 8-byte serial number and its 16 upper-case hex digits.
pub(super) fn new_serial() -> ([u8; 8], String) {
    let serial = random_serial_number();
    let hex = serial.iter().map(|b| format!("{b:02X}")).collect();
    (serial, hex)
}

impl Ca {
    fn generate() -> Result<Self, String> {
        let key = SigningKey::generate_p256();
        let name = DnAttributes {
            common_name: Some("KSeF Emulator CA".into()),
            country_name: Some("PL".into()),
            organization_name: Some("ksef-emulator".into()),
            ..DnAttributes::default()
        }
        .to_name()
        .map_err(|e| e.to_string())?;
        let spki = spki_of(&key).map_err(|e| e.to_string())?;
        let now = OffsetDateTime::now_utc();
        let (serial, _) = new_serial();
        let fields = CertificateFields {
            serial_number: serial.to_vec(),
            subject: name.clone(),
            subject_public_key_info: spki,
            not_before: now - time::Duration::days(1),
            not_after: now + time::Duration::days(3650),
            basic_constraints: BasicConstraints {
                ca: true,
                path_len_constraint: Some(0),
            },
            key_usage: KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            subject_key_identifier: true,
        };
        let certificate = issue_certificate(fields, &name, &key).map_err(|e| e.to_string())?;
        Ok(Self {
            key,
            name,
            certificate,
        })
    }

    /// Issues a certificate for `subject` and `spki`; `offline` certificates carry
    /// nonRepudiation, authentication certificates digitalSignature.
    pub(super) fn issue(
        &self,
        serial: &[u8],
        subject: Name,
        spki: SubjectPublicKeyInfoOwned,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        offline: bool,
    ) -> Result<Certificate, String> {
        let usage = if offline {
            KeyUsage(KeyUsages::NonRepudiation.into())
        } else {
            KeyUsage(KeyUsages::DigitalSignature.into())
        };
        let fields = CertificateFields {
            serial_number: serial.to_vec(),
            subject,
            subject_public_key_info: spki,
            not_before,
            not_after,
            basic_constraints: BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
            key_usage: usage,
            subject_key_identifier: false,
        };
        issue_certificate(fields, &self.name, &self.key).map_err(|e| e.to_string())
    }
}
