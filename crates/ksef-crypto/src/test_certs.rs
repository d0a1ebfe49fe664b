//! Self-signed TEST certificates in the shape KSeF TEST accepts (never valid on DEMO/PRD).
//!
//! - person: `givenName`, `surname`, `serialNumber` = `TINPL-<nip>` or `PNOPL-<pesel>`, `CN`,
//!   `C=PL`;
//! - seal: `organizationIdentifier` = `VATPL-<nip>`, `O`, `CN`, `C=PL`.
//!
//! Keys are RSA-2048 or P-256; `NotBefore` = now − 61 min; valid 2 years.

use time::OffsetDateTime;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};

use crate::credentials::{Credentials, CredentialsError, SigningKey};
use crate::x509_build::{self, CertificateFields, DnAttributes};

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
    let fields = CertificateFields {
        serial_number: x509_build::random_serial_number().to_vec(),
        subject: name.clone(),
        subject_public_key_info: x509_build::spki_of(&key)?,
        not_before,
        not_after,
        basic_constraints: BasicConstraints {
            ca: false,
            path_len_constraint: None,
        },
        key_usage: KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation),
        subject_key_identifier: true,
    };
    let certificate = x509_build::issue_certificate(fields, &name, &key)?;
    Credentials::new(key, certificate)
}
