//! QR verification links printed on invoices.
//!
//! - **KOD I** (every invoice): `{qrBase}/invoice/{sellerNip}/{DD-MM-YYYY}/{hash}`, where the hash
//!   is the unpadded base64url SHA-256 of the invoice XML bytes and the date is the issue date
//!   (`P_1`). See [`invoice_verification_url`].
//! - **KOD II** (offline invoices, signed with the private key of a KSeF certificate of type
//!   `Offline`):
//!   `{qrBase}/certificate/{ctxType}/{ctxValue}/{sellerNip}/{certSerial}/{hash}/{signature}`.
//!   The signature covers the URL without `https://` and without the trailing `/`: RSASSA-PSS
//!   (SHA-256, MGF1-SHA-256, 32-byte salt) for RSA keys, ECDSA P-256/SHA-256 as raw `R||S` for EC
//!   keys. See [`certificate_verification_url`] and [`Kod2Link::verify`].
//!
//! KOD I links take the issue date as a `time::Date`: feature `dates` (default). KOD II needs the `xades` feature (default). With the `qr-render` feature, [`render`] draws the codes as SVG or PNG with their label.

#[cfg(feature = "xades")]
mod kod2;
#[cfg(feature = "qr-render")]
pub mod render;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;

#[cfg(feature = "xades")]
pub use kod2::{
    ContextIdentifierType, Kod2Link, QrSigner, certificate_serial_hex,
    certificate_verification_url, kod2_signed_message,
};

/// Errors of QR link building, verification and rendering.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The link is not a KOD II (`/certificate/…`) link with six segments.
    #[error("not a KOD II verification link: {0}")]
    InvalidLink(&'static str),
    /// A link segment that must be base64url is not.
    #[error("invalid base64url in the {0} segment")]
    Base64(&'static str),
    /// A value given to build a link is not acceptable.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// Which input.
        what: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The certificate could not be parsed or its key is unusable.
    #[error("certificate: {0}")]
    Certificate(String),
    /// The key type cannot sign or verify KOD II (only RSA ≥ 2048 bits and P-256).
    #[error("unsupported key for KOD II: {0}")]
    UnsupportedKey(String),
    /// Signing failed.
    #[error("signing the KOD II link failed: {0}")]
    Signing(String),
    /// The link's certificate serial is not the certificate's.
    #[error(
        "the link names certificate serial {link}, but the certificate's serial is {certificate}"
    )]
    SerialMismatch {
        /// Serial in the link.
        link: String,
        /// Serial of the certificate.
        certificate: String,
    },
    /// The signature does not verify with the certificate's key.
    #[error("the KOD II signature does not verify with the certificate's public key")]
    BadSignature,
    /// The QR matrix could not be built or the image encoded.
    #[error("rendering the QR code failed: {0}")]
    Render(String),
}

/// The QR verification host of a KSeF environment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QrEnvironment {
    /// TEST: `https://qr-test.ksef.mf.gov.pl`.
    Test,
    /// DEMO (pre-production): `https://qr-demo.ksef.mf.gov.pl`.
    Demo,
    /// Production: `https://qr.ksef.mf.gov.pl`.
    Production,
    /// Another base URL (e.g. an emulator), without a trailing `/`.
    Custom(String),
}

impl QrEnvironment {
    /// The base URL, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        match self {
            Self::Test => "https://qr-test.ksef.mf.gov.pl",
            Self::Demo => "https://qr-demo.ksef.mf.gov.pl",
            Self::Production => "https://qr.ksef.mf.gov.pl",
            Self::Custom(base) => base.trim_end_matches('/'),
        }
    }
}

/// The invoice hash segment: unpadded base64url SHA-256 of the invoice bytes.
pub fn invoice_hash_b64url(invoice: &[u8]) -> String {
    crate::symmetric::sha256_base64url(invoice)
}

#[cfg(feature = "dates")]
fn format_date(date: time::Date) -> String {
    format!(
        "{:02}-{:02}-{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
}

/// KOD I link for an invoice given as its exact XML bytes (feature `dates`).
#[cfg(feature = "dates")]
pub fn invoice_verification_url(
    env: &QrEnvironment,
    seller_nip: &str,
    issue_date: time::Date,
    invoice_xml: &[u8],
) -> String {
    invoice_verification_url_from_hash(
        env,
        seller_nip,
        issue_date,
        &invoice_hash_b64url(invoice_xml),
    )
}

/// KOD I link from an already computed hash (unpadded base64url of SHA-256; feature `dates`).
#[cfg(feature = "dates")]
pub fn invoice_verification_url_from_hash(
    env: &QrEnvironment,
    seller_nip: &str,
    issue_date: time::Date,
    invoice_hash_b64url: &str,
) -> String {
    format!(
        "{}/invoice/{seller_nip}/{}/{invoice_hash_b64url}",
        env.base_url(),
        format_date(issue_date)
    )
}

/// Decodes an unpadded (or padded) base64url segment.
#[cfg(feature = "xades")]
fn decode_b64url(segment: &str, what: &'static str) -> Result<Vec<u8>, QrError> {
    B64URL
        .decode(segment.trim_end_matches('='))
        .map_err(|_| QrError::Base64(what))
}

/// Converts a standard base64 SHA-256 (as the API reports `invoiceHash`) to the link form.
pub fn hash_b64_to_b64url(hash_b64: &str) -> Result<String, QrError> {
    use base64::engine::general_purpose::STANDARD;
    let raw = STANDARD
        .decode(hash_b64.trim())
        .map_err(|_| QrError::Base64("invoice hash"))?;
    Ok(B64URL.encode(raw))
}

#[cfg(test)]
mod tests;
