//! Errors of XAdES signing and verification.

use crate::c14n::C14nError;
use crate::credentials::{CredentialsError, VerifyError};

/// A failure to sign or verify an `AuthTokenRequest`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XadesError {
    /// The input is not well-formed XML (or has a DTD, which is refused).
    #[error("malformed XML: {0}")]
    MalformedXml(String),
    /// The `AuthTokenRequest` does not follow the schema.
    #[error("invalid AuthTokenRequest: {0}")]
    InvalidRequest(String),
    /// The document has no `ds:Signature`.
    #[error("the document is not signed")]
    MissingSignature,
    /// The document has more than one `ds:Signature`.
    #[error("the document has {0} signatures; exactly one is allowed")]
    TooManySignatures(usize),
    /// The signature structure is broken (missing or duplicated elements, bad base64, ...).
    #[error("malformed signature: {0}")]
    MalformedSignature(String),
    /// An algorithm (signature, digest, canonicalization) this verifier does not support.
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// A transform this verifier does not support.
    #[error("unsupported transform {0}")]
    UnsupportedTransform(String),
    /// A reference this verifier cannot resolve (external or detached).
    #[error("unsupported reference URI `{0}`")]
    UnsupportedReference(String),
    /// An ID reference points nowhere or to several elements.
    #[error("reference resolution failed: {0}")]
    ReferenceNotFound(#[from] C14nError),
    /// A reference digest does not match the content.
    #[error("digest mismatch for reference `{0}`")]
    DigestMismatch(String),
    /// The signed content does not cover the `AuthTokenRequest`.
    #[error("the signature does not cover the AuthTokenRequest")]
    ContentNotSigned,
    /// The `SignatureValue` does not verify.
    #[error("signature verification failed: {0}")]
    InvalidSignature(VerifyError),
    /// No signer certificate in `KeyInfo`.
    #[error("no signer certificate in KeyInfo")]
    MissingCertificate,
    /// The signer certificate cannot be decoded.
    #[error("invalid signer certificate: {0}")]
    InvalidCertificate(String),
    /// The certificate is not valid at the verification time.
    #[error("certificate not valid at the verification time (valid {not_before} .. {not_after})")]
    CertificateNotValid {
        /// Start of validity (RFC 3339).
        not_before: String,
        /// End of validity (RFC 3339).
        not_after: String,
    },
    /// XAdES `QualifyingProperties` / `SignedProperties` missing or not signed.
    #[error("XAdES properties invalid: {0}")]
    InvalidQualifyingProperties(String),
    /// `SigningCertificate` does not identify the `KeyInfo` certificate.
    #[error("SigningCertificate does not match the signer certificate")]
    SigningCertificateMismatch,
    /// `SigningTime` is missing, malformed or outside the accepted window.
    #[error("SigningTime rejected: {0}")]
    SigningTime(String),
    /// `certificateSubject` was requested but the subject holds no recognised NIP/PESEL.
    #[error("certificate subject does not identify a person (PESEL/NIP) or a seal (VATPL NIP)")]
    SubjectNotRecognized,
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(#[from] CredentialsError),
}

impl XadesError {
    /// The KSeF exception code this failure corresponds to (`POST /auth/xades-signature`).
    ///
    /// 21401: not schema-valid; 9101: invalid document; 9102: no signature; 9103: too many
    /// signatures; 9105: invalid signature. (The challenge check, 21111, is the caller's.)
    pub fn ksef_code(&self) -> u32 {
        match self {
            XadesError::MalformedXml(_) | XadesError::InvalidRequest(_) => 21401,
            XadesError::MissingSignature => 9102,
            XadesError::TooManySignatures(_) => 9103,
            XadesError::MalformedSignature(_) | XadesError::ReferenceNotFound(_) => 9101,
            _ => 9105,
        }
    }
}
