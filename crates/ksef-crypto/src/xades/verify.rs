//! Verification of signed `AuthTokenRequest` documents (enveloped or enveloping XAdES).

use roxmltree::{Document, Node, NodeId};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::auth_request::{
    AllowedIps, AuthSchemaVersion, AuthTokenRequest, ContextIdentifier, SubjectIdentifierType,
};
use super::references::{
    algorithm_of, base64_text, c14n_method, check_c14n11_base, check_reference, digest_algorithm,
    ds_children, is_ds, one_ds_child, signature_algorithm,
};
use super::subject::{SignerIdentity, identity_from_subject};
use super::{SIGNED_PROPERTIES_TYPE, XADES_NS, XadesError};
use crate::c14n;
use crate::credentials::{Certificate, SignatureAlgorithm, verify_signature};

/// What the verifier accepts.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// The verification time.
    pub now: OffsetDateTime,
    /// How far in the past `SigningTime` may lie (default 1 hour).
    pub max_signing_time_age: Duration,
    /// How far in the future `SigningTime` may lie (clock skew; default 5 minutes).
    pub max_signing_time_skew: Duration,
    /// Whether a missing `SigningTime` is an error (default true).
    pub require_signing_time: bool,
    /// Whether the certificate must be valid at `now` (default true).
    pub check_certificate_validity: bool,
}

impl VerifyOptions {
    /// Default options at time `now`.
    pub fn at(now: OffsetDateTime) -> Self {
        VerifyOptions {
            now,
            max_signing_time_age: Duration::hours(1),
            max_signing_time_skew: Duration::minutes(5),
            require_signing_time: true,
            check_certificate_validity: true,
        }
    }
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self::at(OffsetDateTime::now_utc())
    }
}

/// A verified `AuthTokenRequest` and the identity of its signer.
#[derive(Debug, Clone)]
pub struct VerifiedAuthRequest {
    /// Schema version (namespace) of the request.
    pub version: AuthSchemaVersion,
    /// The challenge (to be checked by the caller: 21111).
    pub challenge: String,
    /// The requested context.
    pub context_identifier: ContextIdentifier,
    /// How the signer wants to be identified.
    pub subject_identifier_type: SubjectIdentifierType,
    /// The IP policy, if any.
    pub allowed_ips: Option<AllowedIps>,
    /// The signer identity under `subject_identifier_type`.
    pub signer: SignerIdentity,
    /// The signer certificate.
    pub certificate: Certificate,
    /// `SigningTime`, if present.
    pub signing_time: Option<OffsetDateTime>,
    /// The `SignatureMethod`.
    pub signature_algorithm: SignatureAlgorithm,
}

/// Verifies a signed `AuthTokenRequest` and extracts the signer identity.
pub fn verify_auth_request(
    xml: &str,
    options: &VerifyOptions,
) -> Result<VerifiedAuthRequest, XadesError> {
    let doc = Document::parse(xml).map_err(|e| XadesError::MalformedXml(e.to_string()))?;
    let sig = the_signature(&doc)?.ok_or(XadesError::MissingSignature)?;
    let request_elem = locate_request(&doc, sig)?;
    let request = AuthTokenRequest::from_element(request_elem)?;

    let policy = Policy {
        now: options.now,
        max_signing_time_age: Some(options.max_signing_time_age),
        max_signing_time_skew: options.max_signing_time_skew,
        require_signing_time: options.require_signing_time,
        require_qualifying_properties: true,
        validity: if options.check_certificate_validity {
            ValidityCheck::AtNow
        } else {
            ValidityCheck::No
        },
    };
    let SignatureCore {
        certificate,
        signing_time,
        signature_algorithm: sig_alg,
        ..
    } = verify_core(&doc, sig, request_elem, &policy)?;

    let signer = match request.subject_identifier_type {
        SubjectIdentifierType::CertificateFingerprint => {
            SignerIdentity::Fingerprint(certificate.fingerprint_sha256_hex())
        }
        SubjectIdentifierType::CertificateSubject => {
            identity_from_subject(&certificate).ok_or(XadesError::SubjectNotRecognized)?
        }
    };

    Ok(VerifiedAuthRequest {
        version: request.version,
        challenge: request.challenge,
        context_identifier: request.context_identifier,
        subject_identifier_type: request.subject_identifier_type,
        allowed_ips: request.allowed_ips,
        signer,
        certificate,
        signing_time,
        signature_algorithm: sig_alg,
    })
}

/// The one `ds:Signature` of `doc`, if any; several are an error.
pub(super) fn the_signature<'a, 'i>(
    doc: &'a Document<'i>,
) -> Result<Option<Node<'a, 'i>>, XadesError> {
    let signatures: Vec<Node<'a, 'i>> = doc
        .descendants()
        .filter(|n| is_ds(*n, "Signature"))
        .collect();
    match signatures.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(XadesError::TooManySignatures(many.len())),
    }
}

/// What a signature check demands (the auth-request and the document verifiers differ).
pub(super) struct Policy {
    pub(super) now: OffsetDateTime,
    /// How old `SigningTime` may be; `None`: any age (archived documents such as UPOs).
    pub(super) max_signing_time_age: Option<Duration>,
    pub(super) max_signing_time_skew: Duration,
    pub(super) require_signing_time: bool,
    /// Whether plain XML-DSig (without `xades:QualifyingProperties`) is refused.
    pub(super) require_qualifying_properties: bool,
    pub(super) validity: ValidityCheck,
}

/// When the signer certificate must be valid.
#[derive(Clone, Copy)]
pub(super) enum ValidityCheck {
    No,
    AtNow,
    /// At `SigningTime` (no check when the signature carries none).
    AtSigningTime,
}

/// A verified signature over `content`.
pub(super) struct SignatureCore {
    pub(super) certificate: Certificate,
    pub(super) signing_time: Option<OffsetDateTime>,
    pub(super) signature_algorithm: SignatureAlgorithm,
    /// Whether XAdES `QualifyingProperties` were present (and checked).
    pub(super) xades: bool,
}

/// Verifies the signature `sig` of `doc`: its references (one must cover `content`), the
/// signature value with a `KeyInfo` certificate, the XAdES properties and the certificate
/// validity demanded by `policy`. The one XML-DSig/XAdES verifier of this crate.
pub(super) fn verify_core<'a, 'i>(
    doc: &'a Document<'i>,
    sig: Node<'a, 'i>,
    content: Node<'a, 'i>,
    policy: &Policy,
) -> Result<SignatureCore, XadesError> {
    let signed_info = one_ds_child(sig, "SignedInfo")?;
    let c14n = c14n_method(one_ds_child(signed_info, "CanonicalizationMethod")?)?;
    let sig_alg =
        signature_algorithm(algorithm_of(one_ds_child(signed_info, "SignatureMethod")?)?)?;

    // References.
    let mut covered = false;
    let mut props_target: Option<NodeId> = None;
    let mut any_ref = false;
    for r in ds_children(signed_info, "Reference") {
        any_ref = true;
        let checked = check_reference(doc, sig, r)?;
        if checked.ref_type.as_deref() == Some(SIGNED_PROPERTIES_TYPE) {
            props_target = Some(checked.apex);
            continue;
        }
        let apex = doc
            .get_node(checked.apex)
            .ok_or_else(|| XadesError::MalformedSignature("reference apex lost".into()))?;
        let covers = content.ancestors().any(|a| a.id() == apex.id());
        let excluded_covers = checked
            .excluded
            .is_some_and(|ex| content.ancestors().any(|a| a.id() == ex));
        if covers && !excluded_covers {
            covered = true;
        }
    }
    if !any_ref {
        return Err(XadesError::MalformedSignature(
            "SignedInfo without Reference".into(),
        ));
    }
    if !covered {
        return Err(XadesError::ContentNotSigned);
    }

    // Certificates and the signature value.
    let certs = key_info_certificates(sig)?;
    check_c14n11_base(signed_info, &c14n)?;
    let canonical_si = c14n::canonicalize(signed_info, None, &c14n);
    let sig_value = base64_text(one_ds_child(sig, "SignatureValue")?)?;
    let mut last_err = None;
    let mut signer = None;
    for cert in certs {
        match verify_signature(&cert, sig_alg, canonical_si.as_bytes(), &sig_value) {
            Ok(()) => {
                signer = Some(cert);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let certificate = match (signer, last_err) {
        (Some(c), _) => c,
        (None, Some(e)) => return Err(XadesError::InvalidSignature(e)),
        (None, None) => return Err(XadesError::MissingCertificate),
    };

    // XAdES properties.
    let (signing_time, xades) =
        check_qualifying_properties(doc, sig, props_target, &certificate, policy)?;

    let valid_at = match policy.validity {
        ValidityCheck::No => None,
        ValidityCheck::AtNow => Some(policy.now),
        ValidityCheck::AtSigningTime => signing_time,
    };
    if let Some(at) = valid_at
        && !certificate.is_valid_at(at)
    {
        return Err(XadesError::CertificateNotValid {
            not_before: fmt_time(certificate.not_before()),
            not_after: fmt_time(certificate.not_after()),
        });
    }
    Ok(SignatureCore {
        certificate,
        signing_time,
        signature_algorithm: sig_alg,
        xades,
    })
}

/// The `AuthTokenRequest` element: the root (enveloped) or inside a `ds:Object` (enveloping).
fn locate_request<'a, 'i>(
    doc: &'a Document<'i>,
    sig: Node<'a, 'i>,
) -> Result<Node<'a, 'i>, XadesError> {
    let root = doc.root_element();
    if root.id() == sig.id() {
        let mut found = None;
        for obj in ds_children(sig, "Object") {
            for c in obj.children().filter(|c| c.is_element()) {
                if c.tag_name().name() == "AuthTokenRequest" {
                    if found.is_some() {
                        return Err(XadesError::InvalidRequest(
                            "more than one AuthTokenRequest".into(),
                        ));
                    }
                    found = Some(c);
                }
            }
        }
        return found
            .ok_or_else(|| XadesError::InvalidRequest("no AuthTokenRequest in ds:Object".into()));
    }
    if sig.parent_element().map(|p| p.id()) != Some(root.id()) {
        return Err(XadesError::MalformedSignature(
            "ds:Signature must be a child of the root element (enveloped) or the root (enveloping)"
                .into(),
        ));
    }
    Ok(root)
}

fn key_info_certificates(sig: Node<'_, '_>) -> Result<Vec<Certificate>, XadesError> {
    let mut out = Vec::new();
    for ki in ds_children(sig, "KeyInfo") {
        for xd in ds_children(ki, "X509Data") {
            for xc in ds_children(xd, "X509Certificate") {
                let der_bytes = base64_text(xc)?;
                let cert = Certificate::from_der(&der_bytes)
                    .map_err(|e| XadesError::InvalidCertificate(e.to_string()))?;
                out.push(cert);
            }
        }
    }
    if out.is_empty() {
        return Err(XadesError::MissingCertificate);
    }
    Ok(out)
}

fn xades_child<'a, 'i>(n: Node<'a, 'i>, local: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| {
        c.is_element() && c.tag_name().namespace() == Some(XADES_NS) && c.tag_name().name() == local
    })
}

fn bad_props(msg: &str) -> XadesError {
    XadesError::InvalidQualifyingProperties(msg.to_owned())
}

/// Checks `SignedProperties` (signed, `SigningCertificate`, `SigningTime`); returns `SigningTime`
/// and whether XAdES properties were present at all.
fn check_qualifying_properties(
    doc: &Document<'_>,
    sig: Node<'_, '_>,
    props_target: Option<NodeId>,
    cert: &Certificate,
    policy: &Policy,
) -> Result<(Option<OffsetDateTime>, bool), XadesError> {
    let qp = ds_children(sig, "Object")
        .filter_map(|o| xades_child(o, "QualifyingProperties"))
        .next();
    let qp = match qp {
        Some(qp) => qp,
        None if !policy.require_qualifying_properties && props_target.is_none() => {
            return Ok((None, false));
        }
        None => return Err(bad_props("no xades:QualifyingProperties")),
    };
    if let (Some(target), Some(sig_id)) = (qp.attribute("Target"), sig.attribute("Id"))
        && target.strip_prefix('#') != Some(sig_id)
    {
        return Err(bad_props(
            "QualifyingProperties Target does not point to the signature",
        ));
    }
    let sp = xades_child(qp, "SignedProperties").ok_or_else(|| bad_props("no SignedProperties"))?;
    let target = props_target
        .and_then(|id| doc.get_node(id))
        .ok_or_else(|| bad_props("SignedProperties are not referenced from SignedInfo"))?;
    if target.id() != sp.id() {
        return Err(bad_props("the SignedProperties reference points elsewhere"));
    }
    let ssp = xades_child(sp, "SignedSignatureProperties")
        .ok_or_else(|| bad_props("no SignedSignatureProperties"))?;

    // SigningCertificate (V1) or SigningCertificateV2: one Cert must match the signer.
    let sc = xades_child(ssp, "SigningCertificate")
        .or_else(|| xades_child(ssp, "SigningCertificateV2"))
        .ok_or_else(|| bad_props("no SigningCertificate"))?;
    let mut matched = false;
    for c in sc
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "Cert")
    {
        let digest =
            xades_child(c, "CertDigest").ok_or_else(|| bad_props("Cert without CertDigest"))?;
        let hash = digest_algorithm(algorithm_of(one_ds_child(digest, "DigestMethod")?)?)?;
        let value = base64_text(one_ds_child(digest, "DigestValue")?)?;
        if hash.digest(cert.der()) == value {
            matched = true;
            break;
        }
    }
    if !matched {
        return Err(XadesError::SigningCertificateMismatch);
    }

    // SigningTime.
    let Some(st) = xades_child(ssp, "SigningTime") else {
        if policy.require_signing_time {
            return Err(XadesError::SigningTime("missing".into()));
        }
        return Ok((None, true));
    };
    let text = st.text().unwrap_or("").trim();
    let t = parse_date_time(text)
        .ok_or_else(|| XadesError::SigningTime(format!("malformed value `{text}`")))?;
    let latest = policy.now.checked_add(policy.max_signing_time_skew);
    if latest.is_none_or(|latest| t > latest) {
        return Err(XadesError::SigningTime(format!("{text} is in the future")));
    }
    if let Some(max_age) = policy.max_signing_time_age {
        let earliest = policy.now.checked_sub(max_age);
        if earliest.is_none_or(|earliest| t < earliest) {
            return Err(XadesError::SigningTime(format!("{text} is too old")));
        }
    }
    Ok((Some(t), true))
}

/// Parses an `xsd:dateTime` (a missing zone is taken as UTC).
fn parse_date_time(s: &str) -> Option<OffsetDateTime> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let with_zone = format!("{s}Z");
    OffsetDateTime::parse(&with_zone, &Rfc3339).ok()
}

fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}
