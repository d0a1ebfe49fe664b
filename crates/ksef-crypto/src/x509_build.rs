//! The one X.509 builder of the workspace: distinguished names, certificates issued (or
//! self-signed) with a [`SigningKey`], and the signing of DER structures that PKCS#10 requests
//! ([`crate::csr`]) share.
//!
//! [`issue_certificate`] makes the self-signed TEST certificates of [`crate::test_certs`] and
//! the certificates of a local certificate authority such as the emulator's.
//!
//! ```
//! use ksef_crypto::credentials::SigningKey;
//! use ksef_crypto::x509_build::{CertificateFields, DnAttributes, issue_certificate, spki_of};
//! use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
//!
//! # fn main() -> Result<(), ksef_crypto::credentials::CredentialsError> {
//! let ca_key = SigningKey::generate_p256();
//! let ca_name = DnAttributes {
//!     common_name: Some("Example CA".into()),
//!     country_name: Some("PL".into()),
//!     ..DnAttributes::default()
//! }
//! .to_name()?;
//! let now = time::OffsetDateTime::now_utc();
//! let ca = issue_certificate(
//!     CertificateFields {
//!         serial_number: vec![0x10, 1, 2, 3, 4, 5, 6, 7],
//!         subject: ca_name.clone(),
//!         subject_public_key_info: spki_of(&ca_key)?,
//!         not_before: now,
//!         not_after: now + time::Duration::days(365),
//!         basic_constraints: BasicConstraints { ca: true, path_len_constraint: Some(0) },
//!         key_usage: KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
//!         subject_key_identifier: true,
//!     },
//!     &ca_name,
//!     &ca_key,
//! )?;
//! assert_eq!(ca.subject_name(), ca.issuer_name());
//! # Ok(())
//! # }
//! ```

use der::asn1::{
    Any, BitString, ObjectIdentifier, OctetString, PrintableStringRef, SetOfVec, Utf8StringRef,
};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use time::OffsetDateTime;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::credentials::{
    Certificate, CredentialsError, HashAlgorithm, KeyAlgorithm, SigningKey, oids,
};

/// `sha256WithRSAEncryption` (1.2.840.113549.1.1.11).
const OID_SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
/// `ecdsa-with-SHA256` (1.2.840.10045.4.3.2).
const OID_ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// The attributes of a distinguished name as KSeF uses them (all optional).
///
/// Field names follow `CertificateEnrollmentDataResponse` of the KSeF API.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DnAttributes {
    /// `commonName` (2.5.4.3).
    pub common_name: Option<String>,
    /// `countryName` (2.5.4.6), two letters.
    pub country_name: Option<String>,
    /// `givenName` (2.5.4.42).
    pub given_name: Option<String>,
    /// `surname` (2.5.4.4).
    pub surname: Option<String>,
    /// `serialNumber` (2.5.4.5), e.g. `TINPL-1234563218` or `PNOPL-90010112345`.
    pub serial_number: Option<String>,
    /// `uniqueIdentifier`, encoded under `x500UniqueIdentifier` (2.5.4.45) as a UTF-8 string.
    pub unique_identifier: Option<String>,
    /// `organizationName` (2.5.4.10).
    pub organization_name: Option<String>,
    /// `organizationIdentifier` (2.5.4.97), e.g. `VATPL-1234563218`.
    pub organization_identifier: Option<String>,
}

impl DnAttributes {
    /// Builds the X.509 `Name`, one attribute per RDN, in the order C, O, organizationIdentifier,
    /// surname, givenName, serialNumber, uniqueIdentifier, CN (most significant first).
    pub fn to_name(&self) -> Result<Name, CredentialsError> {
        let mut rdns = Vec::new();
        let entries: [(ObjectIdentifier, &Option<String>, bool); 8] = [
            (oids::COUNTRY_NAME, &self.country_name, true),
            (oids::ORGANIZATION_NAME, &self.organization_name, false),
            (
                oids::ORGANIZATION_IDENTIFIER,
                &self.organization_identifier,
                false,
            ),
            (oids::SURNAME, &self.surname, false),
            (oids::GIVEN_NAME, &self.given_name, false),
            (oids::SERIAL_NUMBER, &self.serial_number, true),
            (oids::UNIQUE_IDENTIFIER, &self.unique_identifier, false),
            (oids::COMMON_NAME, &self.common_name, false),
        ];
        for (oid, value, printable) in entries {
            let Some(value) = value else { continue };
            let any = string_value(value, printable)?;
            let atv = AttributeTypeAndValue { oid, value: any };
            let set = SetOfVec::try_from(vec![atv])?;
            rdns.push(RelativeDistinguishedName::from(set));
        }
        Ok(RdnSequence(rdns))
    }
}

/// A `PrintableString` when requested and possible, else `UTF8String`.
fn string_value(value: &str, printable: bool) -> Result<Any, CredentialsError> {
    if printable && let Ok(p) = PrintableStringRef::new(value) {
        return Ok(Any::from(p.to_owned()));
    }
    let u = Utf8StringRef::new(value)?;
    Ok(Any::encode_from(&u)?)
}

/// The signature `AlgorithmIdentifier` this crate uses for certificates and CSRs with `key`.
pub(crate) fn signature_algorithm_id(key: &SigningKey) -> AlgorithmIdentifierOwned {
    match key.algorithm() {
        KeyAlgorithm::Rsa { .. } => AlgorithmIdentifierOwned {
            oid: OID_SHA256_WITH_RSA,
            parameters: Some(Any::null()),
        },
        KeyAlgorithm::EcdsaP256 => AlgorithmIdentifierOwned {
            oid: OID_ECDSA_WITH_SHA256,
            parameters: None,
        },
    }
}

/// Signs DER `tbs` with `key` (RSA PKCS#1 v1.5 / SHA-256 or ECDSA / SHA-256 in DER form).
pub(crate) fn sign_der(key: &SigningKey, tbs: &[u8]) -> Result<BitString, CredentialsError> {
    let sig = match key.algorithm() {
        KeyAlgorithm::Rsa { .. } => key.sign_rsa_pkcs1_sha256(tbs)?,
        KeyAlgorithm::EcdsaP256 => key.sign_ecdsa_p256_sha256_der(tbs)?,
    };
    Ok(BitString::from_bytes(&sig)?)
}

/// The key's `SubjectPublicKeyInfo` as an owned structure.
pub fn spki_of(key: &SigningKey) -> Result<SubjectPublicKeyInfoOwned, CredentialsError> {
    let der_bytes = key.public_key_spki_der()?;
    Ok(SubjectPublicKeyInfoOwned::from_der(&der_bytes)?)
}

/// A fresh random serial number of 8 bytes (16 hex digits, as KSeF's), positive and with a
/// non-zero first digit.
pub fn random_serial_number() -> [u8; 8] {
    let mut serial = [0u8; 8];
    crate::random::fill(&mut serial);
    serial[0] = (serial[0] & 0x7f) | 0x10;
    serial
}

/// What an X.509 v3 certificate says about its subject.
#[derive(Debug, Clone)]
pub struct CertificateFields {
    /// The serial number, big-endian; positive (the first byte below 0x80) and at most 20 bytes.
    pub serial_number: Vec<u8>,
    /// The subject's distinguished name.
    pub subject: Name,
    /// The subject's public key.
    pub subject_public_key_info: SubjectPublicKeyInfoOwned,
    /// Start of validity (whole seconds; before 2050 as `UTCTime`, later as `GeneralizedTime`).
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// The `basicConstraints` extension (critical).
    pub basic_constraints: BasicConstraints,
    /// The `keyUsage` extension (critical).
    pub key_usage: KeyUsage,
    /// Whether to add a `subjectKeyIdentifier` (SHA-1 of the public key, RFC 5280 4.2.1.2).
    pub subject_key_identifier: bool,
}

/// Signs a certificate with `fields` by `issuer` (whose key is `issuer_key`); a certificate
/// whose issuer is its own subject, signed with its own key, is self-signed. The signature is
/// RSA PKCS#1 v1.5 with SHA-256 or ECDSA with SHA-256, by the issuer key's type.
pub fn issue_certificate(
    fields: CertificateFields,
    issuer: &Name,
    issuer_key: &SigningKey,
) -> Result<Certificate, CredentialsError> {
    let alg = signature_algorithm_id(issuer_key);
    let mut extensions = vec![
        extension(&fields.basic_constraints, true)?,
        extension(&fields.key_usage, true)?,
    ];
    if fields.subject_key_identifier {
        let id = HashAlgorithm::Sha1.digest(
            fields
                .subject_public_key_info
                .subject_public_key
                .raw_bytes(),
        );
        extensions.push(extension(
            &SubjectKeyIdentifier(OctetString::new(id)?),
            false,
        )?);
    }
    let tbs = TbsCertificate {
        version: Version::V3,
        serial_number: SerialNumber::new(&fields.serial_number)?,
        signature: alg.clone(),
        issuer: issuer.clone(),
        validity: Validity {
            not_before: to_time(fields.not_before)?,
            not_after: to_time(fields.not_after)?,
        },
        subject: fields.subject,
        subject_public_key_info: fields.subject_public_key_info,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    };
    let signature = sign_der(issuer_key, &to_der(&tbs)?)?;
    let certificate = x509_cert::Certificate {
        tbs_certificate: tbs,
        signature_algorithm: alg,
        signature,
    };
    Certificate::from_der(&to_der(&certificate)?)
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
        .map_err(|_| CredentialsError::Encoding("a certificate time before 1970".into()))?;
    let st = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    Time::try_from(st).map_err(|e| CredentialsError::Encoding(e.to_string()))
}

/// DER-encodes a value.
pub(crate) fn to_der<T: Encode>(value: &T) -> Result<Vec<u8>, CredentialsError> {
    Ok(value.to_der()?)
}
