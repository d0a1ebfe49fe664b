//! XAdES-BES signatures of KSeF `AuthTokenRequest` documents: building, signing (enveloped) and
//! verifying (enveloped or enveloping), with the signer identity rules of KSeF; and verification
//! of documents others sign, such as UPOs ([`verify_document_signature`]).
//!
//! See `docs/xades.md` in the repository for what is produced and checked.

mod auth_request;
mod document;
mod error;
mod patterns;
mod references;
mod sign;
mod subject;
mod verify;

pub use auth_request::{
    AUTH_NS_2_0, AUTH_NS_2_1, AllowedIps, AuthSchemaVersion, AuthTokenRequest, ContextIdentifier,
    MAX_IP_ENTRIES, SubjectIdentifierType,
};
pub use document::{DocumentSignature, verify_document_signature};
pub use error::XadesError;
pub use sign::{SignOptions, sign_auth_request, sign_enveloped};
pub use subject::{
    SignerIdentity, identity_from_subject, match_nip_serial, match_pesel_serial, match_vatpl_org_id,
};
pub use verify::{VerifiedAuthRequest, VerifyOptions, verify_auth_request};

/// XML-DSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XAdES 1.3.2 namespace.
pub const XADES_NS: &str = "http://uri.etsi.org/01903/v1.3.2#";
/// `Type` of the reference to `SignedProperties`.
pub const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";

/// Algorithm URIs used in signatures.
pub mod algorithms {
    /// Enveloped-signature transform.
    pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    /// XPath transform (only `not(ancestor-or-self::ds:Signature)` is supported).
    pub const XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
    /// SHA-1 digest.
    pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
    /// SHA-256 digest.
    pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    /// SHA-384 digest.
    pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    /// SHA-512 digest.
    pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
    /// RSASSA-PKCS1-v1_5 with SHA-1.
    pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    pub const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    pub const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    /// RSASSA-PSS with SHA-1 / MGF1.
    pub const RSA_PSS_SHA1: &str = "http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1";
    /// RSASSA-PSS with SHA-256 / MGF1.
    pub const RSA_PSS_SHA256: &str = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1";
    /// RSASSA-PSS with SHA-384 / MGF1.
    pub const RSA_PSS_SHA384: &str = "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1";
    /// RSASSA-PSS with SHA-512 / MGF1.
    pub const RSA_PSS_SHA512: &str = "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1";
    /// ECDSA with SHA-1.
    pub const ECDSA_SHA1: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1";
    /// ECDSA with SHA-256.
    pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    /// ECDSA with SHA-384.
    pub const ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    /// ECDSA with SHA-512.
    pub const ECDSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512";
}

/// Escapes text for element content and double-quoted attribute values.
pub(crate) fn escape_xml(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}
