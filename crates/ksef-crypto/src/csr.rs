//! PKCS#10 certificate signing requests for KSeF certificates (`POST /certificates/enrollments`).
//!
//! The subject must be exactly the data returned by `GET /certificates/enrollments/data`; the key is
//! a fresh RSA-2048 or P-256 key (P-256 is what the documentation recommends). Once KSeF issues the
//! certificate, [`CsrBundle::into_credentials`] pairs it with the key.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use x509_cert::request::{CertReq, CertReqInfo, Version};

use crate::credentials::{Certificate, Credentials, CredentialsError, SigningKey};
use crate::x509_build;
pub use crate::x509_build::DnAttributes;

/// A CSR and its private key.
pub struct CsrBundle {
    der: Vec<u8>,
    key: SigningKey,
}

impl fmt::Debug for CsrBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrBundle")
            .field("csr_len", &self.der.len())
            .field("key", &self.key)
            .finish()
    }
}

impl CsrBundle {
    /// The CSR as DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The CSR as base64 of the DER (what the KSeF API expects in `csr`).
    pub fn base64(&self) -> String {
        B64.encode(&self.der)
    }

    /// The CSR as PEM (`-----BEGIN CERTIFICATE REQUEST-----`).
    pub fn pem(&self) -> Result<String, CredentialsError> {
        der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, &self.der)
            .map_err(|e| CredentialsError::Encoding(e.to_string()))
    }

    /// The private key of the request.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// Pairs the key with the issued certificate (checking that it certifies this key).
    pub fn into_credentials(
        self,
        certificate: Certificate,
    ) -> Result<Credentials, CredentialsError> {
        Credentials::new(self.key, certificate)
    }
}

/// Builds a CSR for `subject` with a fresh RSA-2048 key (signed with SHA-256, PKCS#1 v1.5).
pub fn csr_with_rsa(subject: &DnAttributes) -> Result<CsrBundle, CredentialsError> {
    build_csr(subject, SigningKey::generate_rsa(2048)?)
}

/// Builds a CSR for `subject` with a fresh P-256 key (signed with ECDSA / SHA-256).
pub fn csr_with_p256(subject: &DnAttributes) -> Result<CsrBundle, CredentialsError> {
    build_csr(subject, SigningKey::generate_p256())
}

/// Builds a CSR for `subject` signed by `key`.
pub fn build_csr(subject: &DnAttributes, key: SigningKey) -> Result<CsrBundle, CredentialsError> {
    let info = CertReqInfo {
        version: Version::V1,
        subject: subject.to_name()?,
        public_key: x509_build::spki_of(&key)?,
        attributes: Default::default(),
    };
    let info_der = x509_build::to_der(&info)?;
    let signature = x509_build::sign_der(&key, &info_der)?;
    let req = CertReq {
        info,
        algorithm: x509_build::signature_algorithm_id(&key),
        signature,
    };
    Ok(CsrBundle {
        der: x509_build::to_der(&req)?,
        key,
    })
}
