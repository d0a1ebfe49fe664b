//! Self-signed TEST certificates in the shape KSeF TEST accepts (never valid on DEMO/PRD).
//!
//! - person: `givenName`, `surname`, `serialNumber` = `TINPL-<nip>` or `PNOPL-<pesel>`, `CN`,
//!   `C=PL`;
//! - seal: `organizationIdentifier` = `VATPL-<nip>`, `O`, `CN`, `C=PL`.
//!
//! Keys are RSA-2048 or P-256; `NotBefore` = now − 61 min; valid 2 years.

use der::Encode;
use der::asn1::OctetString;
use time::OffsetDateTime;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::credentials::{Certificate, Credentials, CredentialsError, HashAlgorithm, SigningKey};
use crate::x509_build::{self, DnAttributes};

/// Which key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TestKeyType {
    /// RSA, 2048 bits (slow to generate in unoptimised builds).
    Rsa2048,
    /// ECDSA P-256.
    P256,
}

impl TestKeyType {
    /// Generates a fresh key of this type.
    pub fn generate(self) -> Result<SigningKey, CredentialsError> {
        match self {
            TestKeyType::Rsa2048 => SigningKey::generate_rsa(2048),
            TestKeyType::P256 => Ok(SigningKey::generate_p256()),
        }
    }
}

/// The identifier of a natural person in `serialNumber`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PersonIdentifier {
    /// `TINPL-<nip>`.
    Nip(String),
    /// `PNOPL-<pesel>`.
    Pesel(String),
}

/// A person's DN: `givenName`, `surname`, `serialNumber`, `CN` = "given surname", `C=PL`.
pub fn person_dn(given_name: &str, surname: &str, id: &PersonIdentifier) -> DnAttributes {
    let serial = match id {
        PersonIdentifier::Nip(nip) => format!("TINPL-{nip}"),
        PersonIdentifier::Pesel(pesel) => format!("PNOPL-{pesel}"),
    };
    DnAttributes {
        common_name: Some(format!("{given_name} {surname}")),
        country_name: Some("PL".into()),
        given_name: Some(given_name.into()),
        surname: Some(surname.into()),
        serial_number: Some(serial),
        ..DnAttributes::default()
    }
}

/// A seal's DN: `organizationIdentifier` = `VATPL-<nip>`, `O`, `CN` = organisation name, `C=PL`.
pub fn seal_dn(organization_name: &str, nip: &str) -> DnAttributes {
    DnAttributes {
        common_name: Some(organization_name.into()),
        country_name: Some("PL".into()),
        organization_name: Some(organization_name.into()),
        organization_identifier: Some(format!("VATPL-{nip}")),
        ..DnAttributes::default()
    }
}

/// A self-signed test certificate of a natural person with a fresh key.
pub fn person_certificate(
    given_name: &str,
    surname: &str,
    id: &PersonIdentifier,
    key_type: TestKeyType,
) -> Result<Credentials, CredentialsError> {
    self_signed(&person_dn(given_name, surname, id), key_type.generate()?)
}

/// A self-signed test certificate of an organisation seal with a fresh key.
pub fn seal_certificate(
    organization_name: &str,
    nip: &str,
    key_type: TestKeyType,
) -> Result<Credentials, CredentialsError> {
    self_signed(&seal_dn(organization_name, nip), key_type.generate()?)
}

/// A self-signed certificate for `subject` and `key`: NotBefore = now − 61 min, valid 2 years.
pub fn self_signed(
    subject: &DnAttributes,
    key: SigningKey,
) -> Result<Credentials, CredentialsError> {
    let now = OffsetDateTime::now_utc();
    self_signed_with_validity(
        subject,
        key,
        now - time::Duration::minutes(61),
        now + time::Duration::days(730),
    )
}

/// A self-signed certificate for `subject` and `key` with explicit validity bounds.
pub fn self_signed_with_validity(
    subject: &DnAttributes,
    key: SigningKey,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<Credentials, CredentialsError> {
    let name = subject.to_name()?;
    let spki = x509_build::spki_of(&key)?;
    let alg = x509_build::signature_algorithm_id(&key);

    // Positive 8-byte serial (KSeF style: 16 hex digits).
    let mut serial = [0u8; 8];
    crate::random::fill(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x01;

    let ski = SubjectKeyIdentifier(OctetString::new(
        HashAlgorithm::Sha1.digest(spki.subject_public_key.raw_bytes()),
    )?);
    let extensions = vec![
        extension(
            &BasicConstraints {
                ca: false,
                path_len_constraint: None,
            },
            true,
        )?,
        extension(
            &KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
            true,
        )?,
        extension(&ski, false)?,
    ];

    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&serial)?,
        signature: alg.clone(),
        issuer: name.clone(),
        validity: Validity {
            not_before: to_time(not_before)?,
            not_after: to_time(not_after)?,
        },
        subject: name,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let tbs_der = x509_build::to_der(&tbs)?;
    let signature = x509_build::sign_der(&key, &tbs_der)?;
    let cert = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: alg,
        signature,
    };
    let cert_der = x509_build::to_der(&cert)?;
    Credentials::new(key, Certificate::from_der(&cert_der)?)
}

fn extension<T: Encode + der::oid::AssociatedOid>(
    value: &T,
    critical: bool,
) -> Result<Extension, CredentialsError> {
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

fn to_time(t: OffsetDateTime) -> Result<Time, CredentialsError> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| CredentialsError::Encoding("time before 1970".into()))?;
    let st = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    Time::try_from(st).map_err(|e| CredentialsError::Encoding(e.to_string()))
}
