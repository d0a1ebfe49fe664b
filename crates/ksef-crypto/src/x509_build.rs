//! Shared X.509 building blocks: distinguished names and signing of DER structures with a
//! [`SigningKey`] (certificates and PKCS#10 requests).

use der::asn1::{Any, BitString, ObjectIdentifier, PrintableStringRef, SetOfVec, Utf8StringRef};
use der::{Decode, Encode};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::credentials::{CredentialsError, KeyAlgorithm, SigningKey, oids};

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
pub(crate) fn spki_of(
    key: &SigningKey,
) -> Result<spki::SubjectPublicKeyInfoOwned, CredentialsError> {
    let der_bytes = key.public_key_spki_der()?;
    Ok(spki::SubjectPublicKeyInfoOwned::from_der(&der_bytes)?)
}

/// DER-encodes a value.
pub(crate) fn to_der<T: Encode>(value: &T) -> Result<Vec<u8>, CredentialsError> {
    Ok(value.to_der()?)
}
