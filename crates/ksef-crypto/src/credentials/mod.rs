//! Signing credentials: a private key (RSA ≥ 2048 or ECDSA P-256) with its X.509 certificate.
//!
//! Loaders accept PEM (PKCS#8, encrypted PKCS#8, PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`),
//! DER and, with the `pkcs12` feature, PKCS#12 (`.p12`/`.pfx`: PBES2/AES as OpenSSL 3 writes by
//! default, and the legacy 3DES/RC2 schemes of `-legacy` and Windows exports). Every loader
//! checks that the key belongs to the certificate.

mod certificate;
mod dn_string;
mod error;
mod key;
mod pbe;
mod pem;
#[cfg(feature = "pkcs12")]
mod pkcs12;
#[cfg(feature = "pkcs12")]
mod pkcs12_pbe;
mod verifying;

pub use certificate::{Certificate, oids};
pub use error::CredentialsError;
pub use key::{KeyAlgorithm, MIN_RSA_BITS, SigningKey};
pub use verifying::{HashAlgorithm, SignatureAlgorithm, VerifyError, verify_signature};

pub(crate) use certificate::hex_upper;
#[cfg(test)]
pub(crate) use key::ecdsa_raw_to_der;

use std::fmt;

use zeroize::Zeroizing;

/// A private key and the certificate of its public key.
#[derive(Clone)]
pub struct Credentials {
    key: SigningKey,
    certificate: Certificate,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("key", &self.key)
            .field("certificate", &self.certificate)
            .finish()
    }
}

impl Credentials {
    /// Pairs `key` with `certificate`, checking that the certificate holds the key's public half.
    pub fn new(key: SigningKey, certificate: Certificate) -> Result<Self, CredentialsError> {
        let spki = certificate.public_key_spki_der()?;
        if !key.matches_spki(&spki) {
            return Err(CredentialsError::KeyCertificateMismatch);
        }
        Ok(Credentials { key, certificate })
    }

    /// Loads from a certificate PEM and a private-key PEM (which may be the same text).
    ///
    /// `password` is used for `ENCRYPTED PRIVATE KEY` blocks (PBES2).
    pub fn from_pem(
        certificate_pem: &str,
        key_pem: &str,
        password: Option<&str>,
    ) -> Result<Self, CredentialsError> {
        let key = key_from_pem(key_pem, password)?;
        let certs = certificates_from_pem(certificate_pem)?;
        pick_certificate(key, certs)
    }

    /// Loads from a single PEM text holding the private key and the certificate(s).
    pub fn from_pem_bundle(pem: &str, password: Option<&str>) -> Result<Self, CredentialsError> {
        Self::from_pem(pem, pem, password)
    }

    /// Loads from a DER certificate and a DER private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_der(certificate_der: &[u8], key_der: &[u8]) -> Result<Self, CredentialsError> {
        let key = SigningKey::from_der(key_der)?;
        Self::new(key, Certificate::from_der(certificate_der)?)
    }

    /// Loads from a PKCS#12 file (PBES2/AES as well as the legacy 3DES and RC2 schemes). The
    /// certificate matching the key is chosen among those in the file. A wrong password gives
    /// [`CredentialsError::Pkcs12MacMismatch`] (or [`CredentialsError::DecryptionFailed`] for a
    /// file without integrity MAC). Needs the `pkcs12` feature.
    #[cfg(feature = "pkcs12")]
    pub fn from_pkcs12(data: &[u8], password: &str) -> Result<Self, CredentialsError> {
        let contents = pkcs12::parse_pkcs12(data, password)?;
        let mut keys = contents.keys.into_iter();
        let key = keys.next().ok_or(CredentialsError::NoPrivateKey)?;
        if keys.next().is_some() {
            return Err(CredentialsError::MultiplePrivateKeys);
        }
        pick_certificate(key, contents.certificates)
    }

    /// The private key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The key algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.key.algorithm()
    }

    /// RSASSA-PKCS1-v1_5 / SHA-256 signature of `message`.
    pub fn sign_rsa_pkcs1_sha256(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        self.key.sign_rsa_pkcs1_sha256(message)
    }

    /// RSASSA-PSS / SHA-256 / MGF1-SHA-256 / salt 32 signature of `message`.
    pub fn sign_rsa_pss_sha256(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        self.key.sign_rsa_pss_sha256(message)
    }

    /// ECDSA P-256 / SHA-256 signature of `message` as raw 64-byte `R||S`.
    pub fn sign_ecdsa_p256_sha256_raw(&self, message: &[u8]) -> Result<Vec<u8>, CredentialsError> {
        self.key.sign_ecdsa_p256_sha256_raw(message)
    }

    /// The certificate as PEM followed by the private key as PKCS#8 PEM.
    pub fn to_pem_bundle(&self) -> Result<Zeroizing<String>, CredentialsError> {
        let certificate = self.certificate.to_pem()?;
        let key = self.key.to_pkcs8_pem()?;
        // Sized up front: growing the string would free a copy of the key without wiping it.
        let mut out = Zeroizing::new(String::with_capacity(certificate.len() + key.len()));
        out.push_str(&certificate);
        out.push_str(&key);
        Ok(out)
    }
}

/// Decodes the single private key of a PEM text.
pub fn key_from_pem(pem: &str, password: Option<&str>) -> Result<SigningKey, CredentialsError> {
    let mut found: Option<SigningKey> = None;
    for block in pem::pem_blocks(pem)? {
        let key = match block.label.as_str() {
            "PRIVATE KEY" => SigningKey::from_pkcs8_der(&block.der)?,
            "RSA PRIVATE KEY" => SigningKey::from_pkcs1_der(&block.der)?,
            "EC PRIVATE KEY" => SigningKey::from_sec1_der(&block.der)?,
            "ENCRYPTED PRIVATE KEY" => {
                let password = password.ok_or(CredentialsError::PasswordRequired)?;
                SigningKey::from_encrypted_pkcs8_der(&block.der, password.as_bytes())?
            }
            _ => continue,
        };
        if found.is_some() {
            return Err(CredentialsError::MultiplePrivateKeys);
        }
        found = Some(key);
    }
    found.ok_or(CredentialsError::NoPrivateKey)
}

/// Decodes every `CERTIFICATE` block of a PEM text.
pub fn certificates_from_pem(pem: &str) -> Result<Vec<Certificate>, CredentialsError> {
    let mut out = Vec::new();
    for block in pem::pem_blocks(pem)? {
        if block.label == "CERTIFICATE" {
            out.push(Certificate::from_der(&block.der)?);
        }
    }
    Ok(out)
}

fn pick_certificate(
    key: SigningKey,
    certs: Vec<Certificate>,
) -> Result<Credentials, CredentialsError> {
    if certs.is_empty() {
        return Err(CredentialsError::NoCertificate);
    }
    for cert in certs {
        let spki = cert.public_key_spki_der()?;
        if key.matches_spki(&spki) {
            return Ok(Credentials {
                key,
                certificate: cert,
            });
        }
    }
    Err(CredentialsError::KeyCertificateMismatch)
}
