//! The Ministry of Finance public-key certificates (`GET /security/public-key-certificates`):
//! parsing, identifiers, selection by usage and validity, and RSA-OAEP encryption of symmetric
//! keys and KSeF tokens. [`RsaDecryptionKey`] is the private-key side, for emulators and tests.
//!
//! RSA-OAEP here is always SHA-256 with MGF1-SHA-256 and an empty label.

mod decrypt;

use crate::random::SystemRng as OsRng;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use der::{Decode, Encode};
use rsa::{Oaep, RsaPublicKey};
use sha2::Sha256;
use time::OffsetDateTime;

use crate::symmetric::{SymmetricKey, SymmetricKeyError, sha256_base64};

pub use decrypt::{DecryptedToken, RsaDecryptionKey};

/// OID of `rsaEncryption` in a `SubjectPublicKeyInfo`.
const RSA_ENCRYPTION: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// What a Ministry of Finance public key may be used for (the API's `usage` values).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyUsage {
    /// `KsefTokenEncryption`: encrypting KSeF tokens for `/auth/ksef-token`.
    KsefTokenEncryption,
    /// `SymmetricKeyEncryption`: wrapping the AES key of sessions and exports.
    SymmetricKeyEncryption,
    /// A value this library does not know.
    Other(String),
}

impl KeyUsage {
    /// Maps an API `usage` string.
    pub fn from_api(value: &str) -> Self {
        match value {
            "KsefTokenEncryption" => Self::KsefTokenEncryption,
            "SymmetricKeyEncryption" => Self::SymmetricKeyEncryption,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The API `usage` string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::KsefTokenEncryption => "KsefTokenEncryption",
            Self::SymmetricKeyEncryption => "SymmetricKeyEncryption",
            Self::Other(s) => s,
        }
    }
}

impl std::fmt::Display for KeyUsage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors of public-key handling and RSA-OAEP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicKeyError {
    /// Invalid base64 input.
    #[error("invalid base64 in {what}")]
    Base64 {
        /// Which value.
        what: &'static str,
    },
    /// The certificate is not valid DER X.509.
    #[error("cannot parse the X.509 certificate: {0}")]
    Certificate(String),
    /// The certificate's key is not RSA.
    #[error(
        "the certificate's public key is not RSA (algorithm {0}); KSeF encryption keys are RSA"
    )]
    NotRsa(String),
    /// The RSA key could not be read or is unusable.
    #[error("invalid RSA key: {0}")]
    RsaKey(String),
    /// No certificate has the usage and is valid at the instant.
    #[error(
        "no public key certificate with usage {usage} is valid at {at} ({candidates} with that usage)"
    )]
    NoUsableCertificate {
        /// The usage asked for.
        usage: KeyUsage,
        /// The instant asked for.
        at: OffsetDateTime,
        /// How many certificates had the usage (but were expired or not yet valid).
        candidates: usize,
    },
    /// RSA-OAEP encryption failed (message too long for the key).
    #[error("RSA-OAEP encryption failed: {0}")]
    Encrypt(String),
    /// RSA-OAEP decryption failed (wrong key or corrupted data). Deliberately without details.
    #[error("RSA-OAEP decryption failed (wrong key or corrupted ciphertext)")]
    Decrypt,
    /// The unwrapped key material has the wrong length.
    #[error("unwrapped symmetric key: {0}")]
    SymmetricKey(#[from] SymmetricKeyError),
    /// A decrypted KSeF token is not `token|timestampMs`.
    #[error("decrypted KSeF token is malformed: {0}")]
    TokenFormat(&'static str),
}

/// A Ministry of Finance public-key certificate, with the identifiers the API uses.
///
/// Build it from the `certificate` field (DER, or its base64) of a
/// `GET /security/public-key-certificates` item plus its `usage` list; the validity defaults to
/// the certificate's own and can be replaced by the API's `validFrom`/`validTo` with
/// [`PublicKeyCertificate::with_validity`].
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKeyCertificate {
    der: Vec<u8>,
    public_key: RsaPublicKey,
    public_key_id: String,
    certificate_id: String,
    valid_from: OffsetDateTime,
    valid_to: OffsetDateTime,
    usages: Vec<KeyUsage>,
}

impl std::fmt::Debug for PublicKeyCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKeyCertificate")
            .field("certificate_id", &self.certificate_id)
            .field("public_key_id", &self.public_key_id)
            .field("valid_from", &self.valid_from)
            .field("valid_to", &self.valid_to)
            .field("usages", &self.usages)
            .finish()
    }
}

/// `b64(SHA-256(SubjectPublicKeyInfo DER))`, the API's `publicKeyId`.
pub fn public_key_id(spki_der: &[u8]) -> String {
    sha256_base64(spki_der)
}

impl PublicKeyCertificate {
    /// Parses a DER certificate with the given usages.
    pub fn from_der(
        der: &[u8],
        usages: impl IntoIterator<Item = KeyUsage>,
    ) -> Result<Self, PublicKeyError> {
        let cert = x509_cert::Certificate::from_der(der)
            .map_err(|e| PublicKeyError::Certificate(e.to_string()))?;
        let tbs = &cert.tbs_certificate;
        let spki = &tbs.subject_public_key_info;
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(PublicKeyError::NotRsa(spki.algorithm.oid.to_string()));
        }
        let spki_der = spki
            .to_der()
            .map_err(|e| PublicKeyError::Certificate(e.to_string()))?;
        let public_key = rsa_public_key_from_spki(&spki_der)?;
        let valid_from = to_offset(tbs.validity.not_before)?;
        let valid_to = to_offset(tbs.validity.not_after)?;
        Ok(Self {
            der: der.to_vec(),
            public_key,
            public_key_id: public_key_id(&spki_der),
            certificate_id: sha256_base64(der),
            valid_from,
            valid_to,
            usages: usages.into_iter().collect(),
        })
    }

    /// Parses a base64 (standard alphabet) DER certificate, as the API's `certificate` field.
    pub fn from_base64(
        certificate_b64: &str,
        usages: impl IntoIterator<Item = KeyUsage>,
    ) -> Result<Self, PublicKeyError> {
        let der = B64
            .decode(certificate_b64.trim())
            .map_err(|_| PublicKeyError::Base64 {
                what: "certificate",
            })?;
        Self::from_der(&der, usages)
    }

    /// Builds a certificate from the fields of one `GET /security/public-key-certificates` item:
    /// `certificate` (base64 DER), `validFrom`, `validTo` and the `usage` strings.
    pub fn from_api<S: AsRef<str>>(
        certificate_b64: &str,
        valid_from: OffsetDateTime,
        valid_to: OffsetDateTime,
        usages: impl IntoIterator<Item = S>,
    ) -> Result<Self, PublicKeyError> {
        let usages = usages.into_iter().map(|u| KeyUsage::from_api(u.as_ref()));
        Ok(Self::from_base64(certificate_b64, usages)?.with_validity(valid_from, valid_to))
    }

    /// Replaces the validity with the API's `validFrom`/`validTo`.
    pub fn with_validity(mut self, valid_from: OffsetDateTime, valid_to: OffsetDateTime) -> Self {
        self.valid_from = valid_from;
        self.valid_to = valid_to;
        self
    }

    /// The certificate DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The RSA public key.
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public_key
    }

    /// `publicKeyId`: base64 SHA-256 of the `SubjectPublicKeyInfo` DER (44 characters).
    pub fn public_key_id(&self) -> &str {
        &self.public_key_id
    }

    /// `certificateId`: base64 SHA-256 of the certificate DER (44 characters).
    pub fn certificate_id(&self) -> &str {
        &self.certificate_id
    }

    /// Start of validity (inclusive).
    pub fn valid_from(&self) -> OffsetDateTime {
        self.valid_from
    }

    /// End of validity (exclusive).
    pub fn valid_to(&self) -> OffsetDateTime {
        self.valid_to
    }

    /// The usages.
    pub fn usages(&self) -> &[KeyUsage] {
        &self.usages
    }

    /// Whether the certificate has `usage`.
    pub fn has_usage(&self, usage: &KeyUsage) -> bool {
        self.usages.contains(usage)
    }

    /// Whether `valid_from <= at < valid_to`.
    pub fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.valid_from <= at && at < self.valid_to
    }

    /// RSA-OAEP (SHA-256, MGF1-SHA-256, empty label) encryption of `data`.
    pub fn encrypt_oaep(&self, data: &[u8]) -> Result<Vec<u8>, PublicKeyError> {
        self.public_key
            .encrypt(&mut OsRng, Oaep::new::<Sha256>(), data)
            .map_err(|e| PublicKeyError::Encrypt(e.to_string()))
    }

    /// Wraps an AES key for the API's `encryption` object (use a `SymmetricKeyEncryption` key).
    pub fn wrap_symmetric_key(&self, key: &SymmetricKey) -> Result<EncryptedKey, PublicKeyError> {
        let wrapped = self.encrypt_oaep(key.key_bytes())?;
        Ok(EncryptedKey {
            encrypted_key_b64: B64.encode(wrapped),
            iv_b64: key.iv_base64(),
            public_key_id: self.public_key_id.clone(),
        })
    }

    /// Encrypts a KSeF token for `/auth/ksef-token`: RSA-OAEP of the UTF-8 text
    /// `"{token}|{timestamp_ms}"` (use a `KsefTokenEncryption` key).
    pub fn encrypt_ksef_token(
        &self,
        token: &str,
        timestamp_ms: i64,
    ) -> Result<EncryptedToken, PublicKeyError> {
        use std::fmt::Write as _;
        // Sized up front (an i64 has at most 20 characters): growing the string would free a
        // copy of the token without wiping it.
        let mut plain = zeroize::Zeroizing::new(String::with_capacity(token.len() + 21));
        plain.push_str(token);
        let _ = write!(plain, "|{timestamp_ms}");
        let encrypted = self.encrypt_oaep(plain.as_bytes());
        Ok(EncryptedToken {
            encrypted_token_b64: B64.encode(encrypted?),
            public_key_id: self.public_key_id.clone(),
        })
    }
}

/// Picks the certificate to use: it must have `usage` and be valid at `at`
/// (`validFrom <= at < validTo`); among those the latest `validFrom` wins, so a re-issued
/// certificate replaces the old one as soon as it becomes valid and future-dated ones are ignored.
pub fn select_certificate<'a>(
    certificates: &'a [PublicKeyCertificate],
    usage: &KeyUsage,
    at: OffsetDateTime,
) -> Result<&'a PublicKeyCertificate, PublicKeyError> {
    let with_usage = || certificates.iter().filter(|c| c.has_usage(usage));
    with_usage()
        .filter(|c| c.is_valid_at(at))
        .max_by_key(|c| c.valid_from)
        .ok_or_else(|| PublicKeyError::NoUsableCertificate {
            usage: usage.clone(),
            at,
            candidates: with_usage().count(),
        })
}

/// A wrapped AES key, ready for the API's `encryption` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedKey {
    /// `encryptedSymmetricKey`: base64 RSA-OAEP ciphertext of the 32-byte key.
    pub encrypted_key_b64: String,
    /// `initializationVector`: base64 of the 16-byte IV.
    pub iv_b64: String,
    /// `publicKeyId` of the key used.
    pub public_key_id: String,
}

/// An encrypted KSeF token, ready for `/auth/ksef-token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedToken {
    /// `encryptedToken`: base64 RSA-OAEP ciphertext of `"{token}|{timestampMs}"`.
    pub encrypted_token_b64: String,
    /// `publicKeyId` of the key used.
    pub public_key_id: String,
}

fn rsa_public_key_from_spki(spki_der: &[u8]) -> Result<RsaPublicKey, PublicKeyError> {
    use rsa::pkcs8::DecodePublicKey;
    RsaPublicKey::from_public_key_der(spki_der).map_err(|e| PublicKeyError::RsaKey(e.to_string()))
}

fn to_offset(t: x509_cert::time::Time) -> Result<OffsetDateTime, PublicKeyError> {
    let secs = t.to_unix_duration().as_secs();
    i64::try_from(secs)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .ok_or_else(|| PublicKeyError::Certificate("validity time out of range".into()))
}

#[cfg(test)]
mod tests;
