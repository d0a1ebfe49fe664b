//! Verification of third-party documents signed with an enveloped XML-DSig / XAdES signature,
//! such as the UPO (official receipt) the Ministry of Finance signs.

use roxmltree::Document;
use time::{Duration, OffsetDateTime};

use super::XadesError;
use super::verify::{Policy, SignatureCore, ValidityCheck, the_signature, verify_core};
use crate::credentials::{Certificate, SignatureAlgorithm};

/// A verified enveloped signature over a whole document.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DocumentSignature {
    /// The certificate whose key made the signature (from `ds:KeyInfo`). The signature proves the
    /// document is unchanged since this key signed it; whether the certificate belongs to whom
    /// you expect (e.g. the Ministry of Finance) is for the caller to decide, for instance with
    /// [`Certificate::subject_name`] or a pinned [`Certificate::fingerprint_sha256_hex`].
    pub certificate: Certificate,
    /// `xades:SigningTime`, if the signature carries one.
    pub signing_time: Option<OffsetDateTime>,
    /// The `SignatureMethod`.
    pub signature_algorithm: SignatureAlgorithm,
    /// Whether the signature carries XAdES `QualifyingProperties` (checked: `SignedProperties`
    /// signed, `SigningCertificate` matching the signer). `false` for plain XML-DSig.
    pub xades: bool,
}

/// Verifies the enveloped signature of a signed document such as a UPO.
///
/// Returns `Ok(None)` when the document carries no `ds:Signature` at all. Otherwise the
/// signature must be a child of the root element, a reference must cover the whole document
/// (`URI=""` with the enveloped-signature transform), the signature value must verify with a
/// certificate of its `KeyInfo`, and XAdES properties, when present, must be consistent. The
/// certificate must have been valid at `SigningTime` (when given); `SigningTime` may lie at most
/// 5 minutes after `now`, but may be arbitrarily old (receipts are kept for years).
///
/// Any change to the signed content gives [`XadesError::DigestMismatch`] or
/// [`XadesError::InvalidSignature`].
pub fn verify_document_signature(
    xml: &str,
    now: OffsetDateTime,
) -> Result<Option<DocumentSignature>, XadesError> {
    let doc = Document::parse(xml).map_err(|e| XadesError::MalformedXml(e.to_string()))?;
    let Some(sig) = the_signature(&doc)? else {
        return Ok(None);
    };
    let root = doc.root_element();
    if sig.parent_element().map(|p| p.id()) != Some(root.id()) {
        return Err(XadesError::MalformedSignature(
            "the ds:Signature of a signed document must be a child of its root element".into(),
        ));
    }
    let policy = Policy {
        now,
        max_signing_time_age: None,
        max_signing_time_skew: Duration::minutes(5),
        require_signing_time: false,
        require_qualifying_properties: false,
        validity: ValidityCheck::AtSigningTime,
    };
    let SignatureCore {
        certificate,
        signing_time,
        signature_algorithm,
        xades,
    } = verify_core(&doc, sig, root, &policy)?;
    Ok(Some(DocumentSignature {
        certificate,
        signing_time,
        signature_algorithm,
        xades,
    }))
}
