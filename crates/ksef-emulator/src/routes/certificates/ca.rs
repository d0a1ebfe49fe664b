//! The emulator's certificate authority for KSeF certificates: a P-256 key and a self-signed
//! CA certificate generated once per process, and the issuing of end-entity certificates.

use std::sync::OnceLock;

use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use ksef_crypto::credentials::{Certificate, SigningKey};
use ksef_crypto::csr::DnAttributes;
use rand::Rng;
use time::OffsetDateTime;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};

/// `ecdsa-with-SHA256`.
const ECDSA_WITH_SHA256: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

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

fn time_of(t: OffsetDateTime) -> Result<Time, String> {
    let secs = u64::try_from(t.unix_timestamp()).map_err(|_| "time before 1970".to_owned())?;
    Time::try_from(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .map_err(|e| e.to_string())
}

fn extension<T: Encode + der::oid::AssociatedOid>(
    value: &T,
    critical: bool,
) -> Result<Extension, String> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?,
    })
}

/// A fresh positive 8-byte serial number and its 16 upper-case hex digits.
pub(super) fn new_serial() -> ([u8; 8], String) {
    let mut serial: [u8; 8] = rand::thread_rng().r#gen();
    serial[0] = (serial[0] & 0x7f) | 0x10;
    let hex = serial.iter().map(|b| format!("{b:02X}")).collect();
    (serial, hex)
}

/// Fields of a certificate to sign.
struct ToSign<'a> {
    serial: &'a [u8],
    issuer: Name,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    extensions: Vec<Extension>,
}

fn sign(key: &SigningKey, c: ToSign<'_>) -> Result<Vec<u8>, String> {
    let alg = AlgorithmIdentifierOwned {
        oid: ECDSA_WITH_SHA256,
        parameters: None,
    };
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(c.serial).map_err(|e| e.to_string())?,
        signature: alg.clone(),
        issuer: c.issuer,
        validity: Validity {
            not_before: time_of(c.not_before)?,
            not_after: time_of(c.not_after)?,
        },
        subject: c.subject,
        subject_public_key_info: c.spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(c.extensions),
    };
    let tbs_der = tbs.to_der().map_err(|e| e.to_string())?;
    let signature = key
        .sign_ecdsa_p256_sha256_der(&tbs_der)
        .map_err(|e| e.to_string())?;
    let cert = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: alg,
        signature: BitString::from_bytes(&signature).map_err(|e| e.to_string())?,
    };
    cert.to_der().map_err(|e| e.to_string())
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
        let spki_der = key.public_key_spki_der().map_err(|e| e.to_string())?;
        let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der).map_err(|e| e.to_string())?;
        let now = OffsetDateTime::now_utc();
        let (serial, _) = new_serial();
        let der = sign(
            &key,
            ToSign {
                serial: &serial,
                issuer: name.clone(),
                subject: name.clone(),
                spki,
                not_before: now - time::Duration::days(1),
                not_after: now + time::Duration::days(3650),
                extensions: vec![
                    extension(
                        &BasicConstraints {
                            ca: true,
                            path_len_constraint: Some(0),
                        },
                        true,
                    )?,
                    extension(&KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign), true)?,
                ],
            },
        )?;
        let certificate = Certificate::from_der(&der).map_err(|e| e.to_string())?;
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
        let der = sign(
            &self.key,
            ToSign {
                serial,
                issuer: self.name.clone(),
                subject,
                spki,
                not_before,
                not_after,
                extensions: vec![
                    extension(
                        &BasicConstraints {
                            ca: false,
                            path_len_constraint: None,
                        },
                        true,
                    )?,
                    extension(&usage, true)?,
                ],
            },
        )?;
        Certificate::from_der(&der).map_err(|e| e.to_string())
    }
}
