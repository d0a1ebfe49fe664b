//! Enveloped XAdES-BES signing.
//!
//! The signature is built in three passes over real parsed trees: the document with the complete
//! `ds:Signature` skeleton is parsed and the two references are digested with Exclusive C14N; the
//! digests are filled in, the document is parsed again and `SignedInfo` is canonicalized and signed;
//! the `SignatureValue` is filled in.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use roxmltree::Document;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::auth_request::AuthTokenRequest;
use super::{DSIG_NS, SIGNED_PROPERTIES_TYPE, XADES_NS, XadesError, algorithms, escape_xml};
use crate::c14n::{self, C14nMethod};
use crate::credentials::{Credentials, KeyAlgorithm};

/// Options of the signer.
#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    /// `SigningTime`; default: now − 1 minute (tolerates small clock skew, as the C# client does).
    pub signing_time: Option<OffsetDateTime>,
    /// Suffix of the `Id` attributes (`Signature-<suffix>`, `SignedProperties-<suffix>`);
    /// default: 16 random hex digits.
    pub id_suffix: Option<String>,
}

/// Builds and signs an `AuthTokenRequest` (enveloped XAdES-BES).
pub fn sign_auth_request(
    request: &AuthTokenRequest,
    credentials: &Credentials,
    options: &SignOptions,
) -> Result<String, XadesError> {
    let xml = request.to_xml()?;
    sign_enveloped(&xml, credentials, options)
}

/// Appends an enveloped XAdES-BES `ds:Signature` as the last child of the root element of `xml`.
///
/// References: `URI=""` (enveloped-signature + exc-c14n, SHA-256) and the `SignedProperties`
/// (exc-c14n, SHA-256). `SignedInfo` is canonicalized with exc-c14n and signed with `rsa-sha256`
/// (PKCS#1 v1.5) or `ecdsa-sha256` (raw `R||S`).
pub fn sign_enveloped(
    xml: &str,
    credentials: &Credentials,
    options: &SignOptions,
) -> Result<String, XadesError> {
    let insert_at = {
        let doc = parse(xml)?;
        root_close_tag_start(xml, &doc)?
    };
    let (head, tail) = (
        xml.get(..insert_at).unwrap_or(""),
        xml.get(insert_at..).unwrap_or(""),
    );

    let suffix = match &options.id_suffix {
        Some(s) => s.clone(),
        None => random_hex(8),
    };
    let sig_id = format!("Signature-{suffix}");
    let props_id = format!("SignedProperties-{suffix}");
    let signing_time = options
        .signing_time
        .unwrap_or_else(|| OffsetDateTime::now_utc() - time::Duration::minutes(1));
    let signing_time = signing_time
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(signing_time)
        .format(&Rfc3339)
        .map_err(|e| XadesError::MalformedSignature(e.to_string()))?;

    let cert = credentials.certificate();
    let sig_method = match credentials.algorithm() {
        KeyAlgorithm::Rsa { .. } => algorithms::RSA_SHA256,
        KeyAlgorithm::EcdsaP256 => algorithms::ECDSA_SHA256,
    };
    let parts = Parts {
        sig_id: &sig_id,
        props_id: &props_id,
        sig_method,
        cert_b64: B64.encode(cert.der()),
        cert_digest_b64: B64.encode(cert.fingerprint_sha256()),
        issuer: cert.issuer_name(),
        serial: cert.serial_decimal(),
        signing_time,
    };

    // Pass 1: digests of both references over the real document.
    let skeleton = format!("{head}{}{tail}", parts.signature_xml("", "", ""));
    let (doc_digest, props_digest) = {
        let doc = parse(&skeleton)?;
        let sig = find_own_signature(&doc, &sig_id)?;
        let method = C14nMethod::exclusive();
        let whole = c14n::canonicalize(doc.root(), Some(sig.id()), &method);
        let props = c14n::canonicalize_by_id(&doc, "Id", &props_id, None, &method)?;
        (
            B64.encode(crate::symmetric::sha256(whole.as_bytes())),
            B64.encode(crate::symmetric::sha256(props.as_bytes())),
        )
    };

    // Pass 2: canonical SignedInfo and its signature.
    let with_digests = format!(
        "{head}{}{tail}",
        parts.signature_xml(&doc_digest, &props_digest, "")
    );
    let signature_value = {
        let doc = parse(&with_digests)?;
        let sig = find_own_signature(&doc, &sig_id)?;
        let signed_info = sig
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == "SignedInfo")
            .ok_or_else(|| XadesError::MalformedSignature("SignedInfo missing".into()))?;
        let canonical = c14n::canonicalize(signed_info, None, &C14nMethod::exclusive());
        let raw = match credentials.algorithm() {
            KeyAlgorithm::Rsa { .. } => credentials.sign_rsa_pkcs1_sha256(canonical.as_bytes())?,
            KeyAlgorithm::EcdsaP256 => {
                credentials.sign_ecdsa_p256_sha256_raw(canonical.as_bytes())?
            }
        };
        B64.encode(raw)
    };

    // Pass 3: the final document.
    Ok(format!(
        "{head}{}{tail}",
        parts.signature_xml(&doc_digest, &props_digest, &signature_value)
    ))
}

struct Parts<'a> {
    sig_id: &'a str,
    props_id: &'a str,
    sig_method: &'static str,
    cert_b64: String,
    cert_digest_b64: String,
    issuer: String,
    serial: String,
    signing_time: String,
}

impl Parts<'_> {
    fn signature_xml(&self, doc_digest: &str, props_digest: &str, sig_value: &str) -> String {
        let mut s = String::with_capacity(4096);
        s.push_str("<ds:Signature xmlns:ds=\"");
        s.push_str(DSIG_NS);
        s.push_str("\" Id=\"");
        escape_xml(&mut s, self.sig_id);
        s.push_str("\">\n<ds:SignedInfo>\n<ds:CanonicalizationMethod Algorithm=\"");
        s.push_str(c14n::EXC_C14N);
        s.push_str("\"/>\n<ds:SignatureMethod Algorithm=\"");
        s.push_str(self.sig_method);
        s.push_str("\"/>\n<ds:Reference URI=\"\">\n<ds:Transforms>\n<ds:Transform Algorithm=\"");
        s.push_str(algorithms::ENVELOPED_SIGNATURE);
        s.push_str("\"/>\n<ds:Transform Algorithm=\"");
        s.push_str(c14n::EXC_C14N);
        s.push_str("\"/>\n</ds:Transforms>\n<ds:DigestMethod Algorithm=\"");
        s.push_str(algorithms::SHA256);
        s.push_str("\"/>\n<ds:DigestValue>");
        s.push_str(doc_digest);
        s.push_str("</ds:DigestValue>\n</ds:Reference>\n<ds:Reference Type=\"");
        s.push_str(SIGNED_PROPERTIES_TYPE);
        s.push_str("\" URI=\"#");
        escape_xml(&mut s, self.props_id);
        s.push_str("\">\n<ds:Transforms>\n<ds:Transform Algorithm=\"");
        s.push_str(c14n::EXC_C14N);
        s.push_str("\"/>\n</ds:Transforms>\n<ds:DigestMethod Algorithm=\"");
        s.push_str(algorithms::SHA256);
        s.push_str("\"/>\n<ds:DigestValue>");
        s.push_str(props_digest);
        s.push_str("</ds:DigestValue>\n</ds:Reference>\n</ds:SignedInfo>\n<ds:SignatureValue>");
        s.push_str(sig_value);
        s.push_str("</ds:SignatureValue>\n<ds:KeyInfo>\n<ds:X509Data>\n<ds:X509Certificate>");
        s.push_str(&self.cert_b64);
        s.push_str("</ds:X509Certificate>\n</ds:X509Data>\n</ds:KeyInfo>\n<ds:Object>\n");
        s.push_str("<xades:QualifyingProperties xmlns:xades=\"");
        s.push_str(XADES_NS);
        s.push_str("\" Target=\"#");
        escape_xml(&mut s, self.sig_id);
        s.push_str("\">\n<xades:SignedProperties Id=\"");
        escape_xml(&mut s, self.props_id);
        s.push_str("\">\n<xades:SignedSignatureProperties>\n<xades:SigningTime>");
        s.push_str(&self.signing_time);
        s.push_str("</xades:SigningTime>\n<xades:SigningCertificate>\n<xades:Cert>\n");
        s.push_str("<xades:CertDigest>\n<ds:DigestMethod Algorithm=\"");
        s.push_str(algorithms::SHA256);
        s.push_str("\"/>\n<ds:DigestValue>");
        s.push_str(&self.cert_digest_b64);
        s.push_str("</ds:DigestValue>\n</xades:CertDigest>\n<xades:IssuerSerial>\n");
        s.push_str("<ds:X509IssuerName>");
        escape_xml(&mut s, &self.issuer);
        s.push_str("</ds:X509IssuerName>\n<ds:X509SerialNumber>");
        s.push_str(&self.serial);
        s.push_str("</ds:X509SerialNumber>\n</xades:IssuerSerial>\n</xades:Cert>\n");
        s.push_str("</xades:SigningCertificate>\n</xades:SignedSignatureProperties>\n");
        s.push_str("</xades:SignedProperties>\n</xades:QualifyingProperties>\n</ds:Object>\n");
        s.push_str("</ds:Signature>");
        s
    }
}

fn parse(xml: &str) -> Result<Document<'_>, XadesError> {
    Document::parse(xml).map_err(|e| XadesError::MalformedXml(e.to_string()))
}

/// Byte offset of the root element's end tag (`</...>`).
fn root_close_tag_start(xml: &str, doc: &Document<'_>) -> Result<usize, XadesError> {
    let root = doc.root_element();
    let range = root.range();
    let text = xml.get(range.clone()).unwrap_or("");
    if text.ends_with("/>") {
        return Err(XadesError::InvalidRequest(
            "the root element is empty (self-closing)".into(),
        ));
    }
    let pos = text
        .rfind("</")
        .ok_or_else(|| XadesError::MalformedXml("root end tag not found".into()))?;
    Ok(range.start + pos)
}

fn find_own_signature<'a, 'i>(
    doc: &'a Document<'i>,
    sig_id: &str,
) -> Result<roxmltree::Node<'a, 'i>, XadesError> {
    doc.descendants()
        .find(|n| {
            n.is_element()
                && n.tag_name().namespace() == Some(DSIG_NS)
                && n.tag_name().name() == "Signature"
                && n.attribute("Id") == Some(sig_id)
        })
        .ok_or_else(|| XadesError::MalformedSignature("inserted signature not found".into()))
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    crate::random::fill(&mut buf);
    crate::credentials::hex_upper(&buf).to_ascii_lowercase()
}
