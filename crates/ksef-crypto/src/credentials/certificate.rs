//! X.509 certificates: DER storage, fingerprints and subject attributes.

use std::fmt;

use der::asn1::{
    BmpString, Ia5StringRef, ObjectIdentifier, PrintableStringRef, TeletexStringRef, Utf8StringRef,
};
use der::{Decode, Encode, Tag, Tagged};
use time::OffsetDateTime;

use super::error::CredentialsError;
use super::pem::pem_blocks;

/// Well-known X.500 attribute type OIDs used by KSeF.
pub mod oids {
    use der::asn1::ObjectIdentifier;

    /// `commonName` (2.5.4.3).
    pub const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
    /// `surname` (2.5.4.4).
    pub const SURNAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.4");
    /// `serialNumber` (2.5.4.5).
    pub const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
    /// `countryName` (2.5.4.6).
    pub const COUNTRY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.6");
    /// `organizationName` (2.5.4.10).
    pub const ORGANIZATION_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");
    /// `givenName` (2.5.4.42).
    pub const GIVEN_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.42");
    /// `x500UniqueIdentifier` (2.5.4.45).
    pub const UNIQUE_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.45");
    /// `organizationIdentifier` (2.5.4.97).
    pub const ORGANIZATION_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.97");
}

/// A parsed X.509 certificate together with its exact DER bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    parsed: x509_cert::Certificate,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject_name())
            .field("issuer", &self.issuer_name())
            .field("serial", &self.serial_hex())
            .finish()
    }
}

impl Certificate {
    /// Parses a DER-encoded certificate.
    pub fn from_der(der_bytes: &[u8]) -> Result<Self, CredentialsError> {
        let parsed = x509_cert::Certificate::from_der(der_bytes)
            .map_err(|e| CredentialsError::InvalidCertificate(e.to_string()))?;
        Ok(Certificate {
            der: der_bytes.to_vec(),
            parsed,
        })
    }

    /// Parses the first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(pem: &str) -> Result<Self, CredentialsError> {
        for block in pem_blocks(pem)? {
            if block.label == "CERTIFICATE" {
                return Self::from_der(&block.der);
            }
        }
        Err(CredentialsError::NoCertificate)
    }

    /// The certificate as PEM (`-----BEGIN CERTIFICATE-----`).
    pub fn to_pem(&self) -> Result<String, CredentialsError> {
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &self.der)
            .map_err(|e| CredentialsError::Encoding(e.to_string()))
    }

    /// The exact DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed structure.
    pub fn x509(&self) -> &x509_cert::Certificate {
        &self.parsed
    }

    /// SHA-256 of the DER bytes.
    pub fn fingerprint_sha256(&self) -> [u8; 32] {
        crate::symmetric::sha256(&self.der)
    }

    /// SHA-256 of the DER bytes as 64 uppercase hex characters (KSeF `certificateFingerprint`).
    pub fn fingerprint_sha256_hex(&self) -> String {
        hex_upper(&self.fingerprint_sha256())
    }

    /// The serial number's big-endian magnitude bytes (without a DER sign-padding zero byte).
    pub fn serial_bytes(&self) -> &[u8] {
        let bytes = self.parsed.tbs_certificate.serial_number.as_bytes();
        match bytes {
            [0, next, ..] if *next >= 0x80 => bytes.get(1..).unwrap_or(bytes),
            _ => bytes,
        }
    }

    /// The serial number as uppercase hex (e.g. `01F20A5D352AE590` for KSeF certificates).
    pub fn serial_hex(&self) -> String {
        hex_upper(self.serial_bytes())
    }

    /// The serial number in decimal, as XML-DSig `X509SerialNumber` requires.
    pub fn serial_decimal(&self) -> String {
        bytes_to_decimal(self.serial_bytes())
    }

    /// The issuer name as an RFC 4514 string (e.g. `CN=TI CCK KSeF,C=PL`), in the form Java's
    /// `X500Principal` writes: RFC 4514 keywords with string values, other attributes as
    /// `oid=#hex` (e.g. `2.5.4.97=#0c10...` for `organizationIdentifier`).
    pub fn issuer_name(&self) -> String {
        super::dn_string::rfc4514(&self.parsed.tbs_certificate.issuer)
    }

    /// The subject name as an RFC 4514 string (same form as [`Certificate::issuer_name`]).
    pub fn subject_name(&self) -> String {
        super::dn_string::rfc4514(&self.parsed.tbs_certificate.subject)
    }

    /// All string values of subject attributes of type `oid`, in certificate order.
    pub fn subject_attributes(&self, oid: ObjectIdentifier) -> Vec<String> {
        let mut out = Vec::new();
        for rdn in self.parsed.tbs_certificate.subject.0.iter() {
            for atv in rdn.0.iter() {
                if atv.oid == oid
                    && let Some(s) = attribute_value_string(&atv.value)
                {
                    out.push(s);
                }
            }
        }
        out
    }

    /// The first string value of subject attribute `oid`, if any.
    pub fn subject_attribute(&self, oid: ObjectIdentifier) -> Option<String> {
        self.subject_attributes(oid).into_iter().next()
    }

    /// Whether the subject has any attribute of type `oid` (whatever its value encoding).
    pub fn subject_has_attribute(&self, oid: ObjectIdentifier) -> bool {
        self.parsed
            .tbs_certificate
            .subject
            .0
            .iter()
            .any(|rdn| rdn.0.iter().any(|atv| atv.oid == oid))
    }

    /// Start of validity.
    pub fn not_before(&self) -> OffsetDateTime {
        to_offset(self.parsed.tbs_certificate.validity.not_before)
    }

    /// End of validity.
    pub fn not_after(&self) -> OffsetDateTime {
        to_offset(self.parsed.tbs_certificate.validity.not_after)
    }

    /// Whether `now` lies within `[not_before, not_after]`.
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        self.not_before() <= now && now <= self.not_after()
    }

    /// The `SubjectPublicKeyInfo` as DER.
    pub fn public_key_spki_der(&self) -> Result<Vec<u8>, CredentialsError> {
        self.parsed
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| CredentialsError::Encoding(e.to_string()))
    }
}

fn to_offset(t: x509_cert::time::Time) -> OffsetDateTime {
    let secs = t.to_unix_duration().as_secs();
    let secs = i64::try_from(secs).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Decodes a `DirectoryString`-like attribute value to text.
pub(crate) fn attribute_value_string(value: &der::asn1::Any) -> Option<String> {
    match value.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().to_owned()),
        Tag::PrintableString => PrintableStringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().to_owned()),
        Tag::Ia5String => Ia5StringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().to_owned()),
        Tag::TeletexString => TeletexStringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().to_owned()),
        Tag::BmpString => {
            let der_bytes = value.to_der().ok()?;
            BmpString::from_der(&der_bytes).ok().map(|s| s.to_string())
        }
        _ => None,
    }
}

/// Uppercase hex of `bytes`.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    s
}

/// Big-endian unsigned bytes to a decimal string.
pub(crate) fn bytes_to_decimal(bytes: &[u8]) -> String {
    // Repeated division by 10 of a base-256 big number.
    let mut num: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if num.is_empty() {
        return "0".to_owned();
    }
    let mut digits = Vec::new();
    while !num.is_empty() {
        let mut rem: u32 = 0;
        let mut next = Vec::with_capacity(num.len());
        for &b in &num {
            let cur = rem * 256 + u32::from(b);
            let q = cur / 10;
            rem = cur % 10;
            if !(next.is_empty() && q == 0) {
                next.push(u8::try_from(q).unwrap_or(0));
            }
        }
        digits.push(char::from(b'0' + u8::try_from(rem).unwrap_or(0)));
        num = next;
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_conversion() {
        assert_eq!(bytes_to_decimal(&[]), "0");
        assert_eq!(bytes_to_decimal(&[0, 0]), "0");
        assert_eq!(bytes_to_decimal(&[1, 0]), "256");
        assert_eq!(bytes_to_decimal(&[0xff; 8]), u64::MAX.to_string());
        assert_eq!(
            bytes_to_decimal(&[0x01, 0xF2, 0x0A, 0x5D, 0x35, 0x2A, 0xE5, 0x90]),
            0x01F2_0A5D_352A_E590u64.to_string()
        );
    }

    #[test]
    fn hex() {
        assert_eq!(hex_upper(&[0x01, 0xab, 0xff]), "01ABFF");
    }
}
