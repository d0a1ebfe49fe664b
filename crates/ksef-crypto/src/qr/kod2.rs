//! KOD II: the signed certificate verification link of offline invoices.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use der::Decode;

use super::{QrEnvironment, QrError, decode_b64url};

use crate::credentials::{
    Certificate, HashAlgorithm, KeyAlgorithm, MIN_RSA_BITS, SignatureAlgorithm, VerifyError,
    verify_signature,
};

/// The type of the context identifier in a KOD II link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContextIdentifierType {
    /// `Nip`.
    Nip,
    /// `InternalId`.
    InternalId,
    /// `NipVatUe`.
    NipVatUe,
    /// `PeppolId`.
    PeppolId,
}

impl ContextIdentifierType {
    /// The link segment.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Nip => "Nip",
            Self::InternalId => "InternalId",
            Self::NipVatUe => "NipVatUe",
            Self::PeppolId => "PeppolId",
        }
    }

    /// Parses the link segment (exact spelling).
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Nip, Self::InternalId, Self::NipVatUe, Self::PeppolId]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

impl std::fmt::Display for ContextIdentifierType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A private key that can sign KOD II links: the crate's
/// [`credentials::SigningKey`](crate::credentials::SigningKey) and
/// [`credentials::Credentials`](crate::credentials::Credentials) (RSASSA-PSS, SHA-256,
/// MGF1-SHA-256, 32-byte salt with RSA keys of at least 2048 bits; raw 64-byte `R||S` ECDSA
/// P-256 / SHA-256 with EC keys).
pub trait QrSigner {
    /// Signs `message` (the UTF-8 link without scheme and signature) and returns the raw
    /// signature bytes.
    fn sign_kod2(&self, message: &[u8]) -> Result<Vec<u8>, QrError>;
}

impl QrSigner for crate::credentials::SigningKey {
    fn sign_kod2(&self, message: &[u8]) -> Result<Vec<u8>, QrError> {
        match self.algorithm() {
            KeyAlgorithm::Rsa { bits } if bits < MIN_RSA_BITS => Err(QrError::UnsupportedKey(
                format!("RSA key of {bits} bits; KOD II needs at least {MIN_RSA_BITS}"),
            )),
            KeyAlgorithm::Rsa { .. } => self
                .sign_rsa_pss_sha256(message)
                .map_err(|e| QrError::Signing(e.to_string())),
            KeyAlgorithm::EcdsaP256 => self
                .sign_ecdsa_p256_sha256_raw(message)
                .map_err(|e| QrError::Signing(e.to_string())),
        }
    }
}

impl QrSigner for crate::credentials::Credentials {
    fn sign_kod2(&self, message: &[u8]) -> Result<Vec<u8>, QrError> {
        self.key().sign_kod2(message)
    }
}

/// The serial number of a DER certificate as uppercase hex without leading zero bytes, as KOD II
/// links carry it (e.g. `01F20A5D352AE590`).
pub fn certificate_serial_hex(certificate_der: &[u8]) -> Result<String, QrError> {
    let cert = x509_cert::Certificate::from_der(certificate_der)
        .map_err(|e| QrError::Certificate(e.to_string()))?;
    Ok(serial_hex(cert.tbs_certificate.serial_number.as_bytes()))
}

fn serial_hex(bytes: &[u8]) -> String {
    let start = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Normalises a serial for comparison: uppercase, without leading zeros.
fn normalize_serial(s: &str) -> String {
    let upper = s.to_ascii_uppercase();
    let trimmed = upper.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}

fn check_segment(value: &str, what: &'static str) -> Result<(), QrError> {
    if value.is_empty() {
        return Err(QrError::InvalidInput {
            what,
            reason: "it is empty",
        });
    }
    if value.contains(['/', '?', '#']) || value.chars().any(char::is_whitespace) {
        return Err(QrError::InvalidInput {
            what,
            reason: "it contains '/', '?', '#' or whitespace",
        });
    }
    Ok(())
}

/// A KOD II link, parsed or to be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kod2Link {
    /// Base URL, e.g. `https://qr-test.ksef.mf.gov.pl` (no trailing `/`).
    pub base_url: String,
    /// Type of the context identifier.
    pub context_type: ContextIdentifierType,
    /// Value of the context identifier.
    pub context_value: String,
    /// The seller's NIP.
    pub seller_nip: String,
    /// Serial of the signing KSeF certificate (hex).
    pub certificate_serial: String,
    /// Unpadded base64url SHA-256 of the invoice.
    pub invoice_hash_b64url: String,
    /// The raw signature bytes.
    pub signature: Vec<u8>,
}

impl Kod2Link {
    /// Parses a KOD II link (`…/certificate/{type}/{value}/{nip}/{serial}/{hash}/{signature}`).
    pub fn parse(url: &str) -> Result<Self, QrError> {
        let trimmed = url.trim().strip_suffix('/').unwrap_or(url.trim());
        let mut parts = trimmed.rsplitn(8, '/');
        let mut next = |what: &'static str| {
            parts
                .next()
                .filter(|s| !s.is_empty())
                .ok_or(QrError::InvalidLink(what))
        };
        let signature = next("missing signature segment")?;
        let hash = next("missing invoice hash segment")?;
        let serial = next("missing certificate serial segment")?;
        let nip = next("missing seller NIP segment")?;
        let ctx_value = next("missing context value segment")?;
        let ctx_type = next("missing context type segment")?;
        let marker = next("missing `certificate` segment")?;
        let base = next("missing host")?;
        if marker != "certificate" {
            return Err(QrError::InvalidLink(
                "the path does not contain /certificate/",
            ));
        }
        let context_type = ContextIdentifierType::parse(ctx_type).ok_or(QrError::InvalidLink(
            "unknown context type (expected Nip, InternalId, NipVatUe or PeppolId)",
        ))?;
        let hash_bytes = decode_b64url(hash, "invoice hash")?;
        if hash_bytes.len() != 32 {
            return Err(QrError::InvalidLink("the invoice hash is not 32 bytes"));
        }
        Ok(Self {
            base_url: base.to_owned(),
            context_type,
            context_value: ctx_value.to_owned(),
            seller_nip: nip.to_owned(),
            certificate_serial: serial.to_owned(),
            invoice_hash_b64url: hash.to_owned(),
            signature: decode_b64url(signature, "signature")?,
        })
    }

    /// The link without the signature, e.g. `https://qr-test…/certificate/Nip/…/{hash}`.
    fn unsigned_url(&self) -> String {
        format!(
            "{}/certificate/{}/{}/{}/{}/{}",
            self.base_url.trim_end_matches('/'),
            self.context_type,
            self.context_value,
            self.seller_nip,
            self.certificate_serial,
            self.invoice_hash_b64url
        )
    }

    /// The signed message: the link without scheme (`https://`) and without the signature.
    pub fn signed_message(&self) -> String {
        let url = self.unsigned_url();
        match url.split_once("://") {
            Some((_, rest)) => rest.to_owned(),
            None => url,
        }
    }

    /// The complete link.
    pub fn url(&self) -> String {
        format!("{}/{}", self.unsigned_url(), B64URL.encode(&self.signature))
    }

    /// Verifies the link against the signing certificate (DER): the serial must match and the
    /// signature must verify (RSASSA-PSS SHA-256/MGF1-SHA-256/salt 32, or ECDSA P-256 SHA-256 in
    /// raw `R||S` or DER form).
    pub fn verify(&self, certificate_der: &[u8]) -> Result<(), QrError> {
        let cert = Certificate::from_der(certificate_der)
            .map_err(|e| QrError::Certificate(e.to_string()))?;
        let cert_serial = serial_hex(cert.serial_bytes());
        if normalize_serial(&cert_serial) != normalize_serial(&self.certificate_serial) {
            return Err(QrError::SerialMismatch {
                link: self.certificate_serial.clone(),
                certificate: cert_serial,
            });
        }
        let message = self.signed_message();
        let verify =
            |algorithm| verify_signature(&cert, algorithm, message.as_bytes(), &self.signature);
        let result = match verify(SignatureAlgorithm::RsaPss(HashAlgorithm::Sha256)) {
            Err(VerifyError::AlgorithmKeyMismatch) => {
                verify(SignatureAlgorithm::EcdsaP256(HashAlgorithm::Sha256))
            }
            other => other,
        };
        match result {
            Ok(()) => Ok(()),
            Err(VerifyError::InvalidSignature) => Err(QrError::BadSignature),
            Err(e) => Err(QrError::UnsupportedKey(e.to_string())),
        }
    }
}

/// The message a KOD II signature covers:
/// `{host}/certificate/{ctxType}/{ctxValue}/{sellerNip}/{certSerial}/{hash}` (no scheme, no
/// trailing `/`).
pub fn kod2_signed_message(
    env: &QrEnvironment,
    context_type: ContextIdentifierType,
    context_value: &str,
    seller_nip: &str,
    certificate_serial: &str,
    invoice_hash_b64url: &str,
) -> String {
    Kod2Link {
        base_url: env.base_url().to_owned(),
        context_type,
        context_value: context_value.to_owned(),
        seller_nip: seller_nip.to_owned(),
        certificate_serial: certificate_serial.to_owned(),
        invoice_hash_b64url: invoice_hash_b64url.to_owned(),
        signature: Vec::new(),
    }
    .signed_message()
}

/// Builds and signs a KOD II link.
pub fn certificate_verification_url<S: QrSigner + ?Sized>(
    env: &QrEnvironment,
    context_type: ContextIdentifierType,
    context_value: &str,
    seller_nip: &str,
    certificate_serial: &str,
    invoice_hash_b64url: &str,
    signer: &S,
) -> Result<String, QrError> {
    check_segment(context_value, "context identifier value")?;
    check_segment(seller_nip, "seller NIP")?;
    check_segment(certificate_serial, "certificate serial")?;
    if !certificate_serial.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(QrError::InvalidInput {
            what: "certificate serial",
            reason: "it must be hexadecimal",
        });
    }
    match decode_b64url(invoice_hash_b64url, "invoice hash") {
        Ok(h) if h.len() == 32 => {}
        _ => {
            return Err(QrError::InvalidInput {
                what: "invoice hash",
                reason: "it must be the unpadded base64url of a 32-byte SHA-256",
            });
        }
    }
    let mut link = Kod2Link {
        base_url: env.base_url().to_owned(),
        context_type,
        context_value: context_value.to_owned(),
        seller_nip: seller_nip.to_owned(),
        certificate_serial: certificate_serial.to_ascii_uppercase(),
        invoice_hash_b64url: invoice_hash_b64url.trim_end_matches('=').to_owned(),
        signature: Vec::new(),
    };
    link.signature = signer.sign_kod2(link.signed_message().as_bytes())?;
    Ok(link.url())
}
