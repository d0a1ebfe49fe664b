//! The `AuthTokenRequest` document (schemas `auth/token/2.0` and `2.1`): building and parsing.

use roxmltree::Node;

use super::{XadesError, patterns};

/// Namespace of `AuthTokenRequest` schema 2.0.
pub const AUTH_NS_2_0: &str = "http://ksef.mf.gov.pl/auth/token/2.0";
/// Namespace of `AuthTokenRequest` schema 2.1.
pub const AUTH_NS_2_1: &str = "http://ksef.mf.gov.pl/auth/token/2.1";

/// Maximum number of entries of each `AllowedIps` list.
pub const MAX_IP_ENTRIES: usize = 10;

/// Which schema version (namespace) the request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AuthSchemaVersion {
    /// `http://ksef.mf.gov.pl/auth/token/2.0` (what the official C# client sends).
    #[default]
    V2_0,
    /// `http://ksef.mf.gov.pl/auth/token/2.1`.
    V2_1,
}

impl AuthSchemaVersion {
    /// The namespace URI.
    pub fn namespace(self) -> &'static str {
        match self {
            AuthSchemaVersion::V2_0 => AUTH_NS_2_0,
            AuthSchemaVersion::V2_1 => AUTH_NS_2_1,
        }
    }

    /// The version for a namespace URI.
    pub fn from_namespace(ns: &str) -> Option<Self> {
        match ns {
            AUTH_NS_2_0 => Some(AuthSchemaVersion::V2_0),
            AUTH_NS_2_1 => Some(AuthSchemaVersion::V2_1),
            _ => None,
        }
    }
}

/// The context the client authenticates in (`ContextIdentifier` choice).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContextIdentifier {
    /// `Nip`: a 10-digit NIP.
    Nip(String),
    /// `InternalId`: `NIP-NNNNN`.
    InternalId(String),
    /// `NipVatUe`: `NIP-<EU VAT number>`.
    NipVatUe(String),
    /// `PeppolId`: `PXXNNNNNN`.
    PeppolId(String),
}

impl ContextIdentifier {
    /// The XML element name of this choice.
    pub fn element_name(&self) -> &'static str {
        match self {
            ContextIdentifier::Nip(_) => "Nip",
            ContextIdentifier::InternalId(_) => "InternalId",
            ContextIdentifier::NipVatUe(_) => "NipVatUe",
            ContextIdentifier::PeppolId(_) => "PeppolId",
        }
    }

    /// The identifier value.
    pub fn value(&self) -> &str {
        match self {
            ContextIdentifier::Nip(v)
            | ContextIdentifier::InternalId(v)
            | ContextIdentifier::NipVatUe(v)
            | ContextIdentifier::PeppolId(v) => v,
        }
    }
}

/// `SubjectIdentifierType`: how the signer is identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectIdentifierType {
    /// `certificateSubject`: by NIP/PESEL in the certificate subject.
    CertificateSubject,
    /// `certificateFingerprint`: by the SHA-256 fingerprint of the certificate.
    CertificateFingerprint,
}

impl SubjectIdentifierType {
    /// The XML value.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectIdentifierType::CertificateSubject => "certificateSubject",
            SubjectIdentifierType::CertificateFingerprint => "certificateFingerprint",
        }
    }
}

/// `AuthorizationPolicy/AllowedIps`: IPv4 restrictions of the issued tokens (≤ 10 of each).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AllowedIps {
    /// `Ip4Address` entries, e.g. `192.168.0.1`.
    pub ip4_addresses: Vec<String>,
    /// `Ip4Range` entries, e.g. `10.0.0.1-10.0.0.20`.
    pub ip4_ranges: Vec<String>,
    /// `Ip4Mask` entries, e.g. `10.0.0.0/8`.
    pub ip4_masks: Vec<String>,
}

/// An `AuthTokenRequest` document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthTokenRequest {
    /// Schema version (namespace).
    pub version: AuthSchemaVersion,
    /// The challenge from `POST /auth/challenge`.
    pub challenge: String,
    /// The context.
    pub context_identifier: ContextIdentifier,
    /// How the signer is identified.
    pub subject_identifier_type: SubjectIdentifierType,
    /// Optional IP policy.
    pub allowed_ips: Option<AllowedIps>,
}

impl AuthTokenRequest {
    /// A request without IP policy, in schema 2.0.
    pub fn new(
        challenge: impl Into<String>,
        context_identifier: ContextIdentifier,
        subject_identifier_type: SubjectIdentifierType,
    ) -> Self {
        AuthTokenRequest {
            version: AuthSchemaVersion::V2_0,
            challenge: challenge.into(),
            context_identifier,
            subject_identifier_type,
            allowed_ips: None,
        }
    }

    /// Checks the values against the schema patterns (challenge, context identifier, IPv4
    /// entries) and the list sizes of `AllowedIps` (≤ 10 each).
    pub fn validate(&self) -> Result<(), XadesError> {
        if !patterns::is_challenge(&self.challenge) {
            return Err(XadesError::InvalidRequest(format!(
                "Challenge `{}` does not match the schema pattern",
                self.challenge
            )));
        }
        let ctx_ok = match &self.context_identifier {
            ContextIdentifier::Nip(v) => patterns::is_nip(v),
            ContextIdentifier::InternalId(v) => patterns::is_internal_id(v),
            ContextIdentifier::NipVatUe(v) => patterns::is_nip_vat_ue(v),
            ContextIdentifier::PeppolId(v) => patterns::is_peppol_id(v),
        };
        if !ctx_ok {
            return Err(XadesError::InvalidRequest(format!(
                "{} `{}` does not match the schema pattern",
                self.context_identifier.element_name(),
                self.context_identifier.value()
            )));
        }
        if let Some(ips) = &self.allowed_ips {
            check_ip_list("Ip4Address", &ips.ip4_addresses, patterns::is_ip4_address)?;
            check_ip_list("Ip4Range", &ips.ip4_ranges, patterns::is_ip4_range)?;
            check_ip_list("Ip4Mask", &ips.ip4_masks, patterns::is_ip4_mask)?;
        }
        Ok(())
    }

    /// The unsigned XML document (UTF-8, with an XML declaration).
    pub fn to_xml(&self) -> Result<String, XadesError> {
        self.validate()?;
        let mut x = String::with_capacity(512);
        x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        x.push_str("<AuthTokenRequest xmlns=\"");
        x.push_str(self.version.namespace());
        x.push_str("\">\n");
        push_elem(&mut x, 1, "Challenge", &self.challenge);
        x.push_str("  <ContextIdentifier>\n");
        push_elem(
            &mut x,
            2,
            self.context_identifier.element_name(),
            self.context_identifier.value(),
        );
        x.push_str("  </ContextIdentifier>\n");
        push_elem(
            &mut x,
            1,
            "SubjectIdentifierType",
            self.subject_identifier_type.as_str(),
        );
        if let Some(ips) = &self.allowed_ips {
            x.push_str("  <AuthorizationPolicy>\n    <AllowedIps>\n");
            for v in &ips.ip4_addresses {
                push_elem(&mut x, 3, "Ip4Address", v);
            }
            for v in &ips.ip4_ranges {
                push_elem(&mut x, 3, "Ip4Range", v);
            }
            for v in &ips.ip4_masks {
                push_elem(&mut x, 3, "Ip4Mask", v);
            }
            x.push_str("    </AllowedIps>\n  </AuthorizationPolicy>\n");
        }
        x.push_str("</AuthTokenRequest>\n");
        Ok(x)
    }

    /// Reads a request from its root element, ignoring a trailing `ds:Signature` child.
    ///
    /// Checks the element order of the schema (sequence and choice) and the list sizes; value
    /// patterns are left to the caller.
    pub fn from_element(root: Node<'_, '_>) -> Result<Self, XadesError> {
        let ns = root.tag_name().namespace().unwrap_or("");
        let version = AuthSchemaVersion::from_namespace(ns)
            .filter(|_| root.tag_name().name() == "AuthTokenRequest")
            .ok_or_else(|| {
                XadesError::InvalidRequest(format!(
                    "root element is {{{ns}}}{}, expected AuthTokenRequest",
                    root.tag_name().name()
                ))
            })?;
        check_no_stray_text(root)?;
        let mut children = root
            .children()
            .filter(|n| n.is_element())
            .filter(|n| !is_dsig(*n, "Signature"))
            .peekable();
        let challenge = text_of(expect(children.next(), ns, "Challenge")?)?;
        let ctx_elem = expect(children.next(), ns, "ContextIdentifier")?;
        check_no_stray_text(ctx_elem)?;
        let mut ctx_children = ctx_elem.children().filter(|n| n.is_element());
        let choice = ctx_children
            .next()
            .ok_or_else(|| XadesError::InvalidRequest("empty ContextIdentifier".into()))?;
        if ctx_children.next().is_some() || choice.tag_name().namespace() != Some(ns) {
            return Err(XadesError::InvalidRequest(
                "invalid ContextIdentifier".into(),
            ));
        }
        let value = raw_text_of(choice)?;
        let context_identifier = match choice.tag_name().name() {
            "Nip" => ContextIdentifier::Nip(value),
            "InternalId" => ContextIdentifier::InternalId(value),
            "NipVatUe" => ContextIdentifier::NipVatUe(value),
            "PeppolId" => ContextIdentifier::PeppolId(value),
            other => {
                return Err(XadesError::InvalidRequest(format!(
                    "unknown ContextIdentifier choice {other}"
                )));
            }
        };
        let sit = text_of(expect(children.next(), ns, "SubjectIdentifierType")?)?;
        let subject_identifier_type = match sit.as_str() {
            "certificateSubject" => SubjectIdentifierType::CertificateSubject,
            "certificateFingerprint" => SubjectIdentifierType::CertificateFingerprint,
            other => {
                return Err(XadesError::InvalidRequest(format!(
                    "unknown SubjectIdentifierType {other}"
                )));
            }
        };
        let mut allowed_ips = None;
        if let Some(policy) = children.next() {
            let policy = expect(Some(policy), ns, "AuthorizationPolicy")?;
            check_no_stray_text(policy)?;
            let mut pc = policy.children().filter(|n| n.is_element());
            let list = expect(pc.next(), ns, "AllowedIps")?;
            if pc.next().is_some() {
                return Err(XadesError::InvalidRequest(
                    "unexpected element in AuthorizationPolicy".into(),
                ));
            }
            allowed_ips = Some(parse_allowed_ips(list, ns)?);
        }
        if let Some(extra) = children.next() {
            return Err(XadesError::InvalidRequest(format!(
                "unexpected element {}",
                extra.tag_name().name()
            )));
        }
        let req = AuthTokenRequest {
            version,
            challenge,
            context_identifier,
            subject_identifier_type,
            allowed_ips,
        };
        req.validate()?;
        Ok(req)
    }
}

fn check_ip_list(name: &str, list: &[String], ok: fn(&str) -> bool) -> Result<(), XadesError> {
    if list.len() > MAX_IP_ENTRIES {
        return Err(XadesError::InvalidRequest(format!(
            "more than {MAX_IP_ENTRIES} {name} entries"
        )));
    }
    match list.iter().find(|v| !ok(v)) {
        Some(bad) => Err(XadesError::InvalidRequest(format!(
            "invalid {name} `{bad}`"
        ))),
        None => Ok(()),
    }
}

fn parse_allowed_ips(list: Node<'_, '_>, ns: &str) -> Result<AllowedIps, XadesError> {
    check_no_stray_text(list)?;
    let mut ips = AllowedIps::default();
    // Sequence: Ip4Address*, Ip4Range*, Ip4Mask* in this order.
    let mut stage = 0u8;
    for n in list.children().filter(|n| n.is_element()) {
        if n.tag_name().namespace() != Some(ns) {
            return Err(XadesError::InvalidRequest(
                "foreign element in AllowedIps".into(),
            ));
        }
        let (s, target) = match n.tag_name().name() {
            "Ip4Address" => (0, &mut ips.ip4_addresses),
            "Ip4Range" => (1, &mut ips.ip4_ranges),
            "Ip4Mask" => (2, &mut ips.ip4_masks),
            other => {
                return Err(XadesError::InvalidRequest(format!(
                    "unexpected element {other} in AllowedIps"
                )));
            }
        };
        if s < stage {
            return Err(XadesError::InvalidRequest("AllowedIps out of order".into()));
        }
        stage = s;
        target.push(text_of(n)?);
    }
    Ok(ips)
}

fn is_dsig(n: Node<'_, '_>, local: &str) -> bool {
    n.tag_name().namespace() == Some(super::DSIG_NS) && n.tag_name().name() == local
}

fn expect<'a, 'i>(
    n: Option<Node<'a, 'i>>,
    ns: &str,
    local: &str,
) -> Result<Node<'a, 'i>, XadesError> {
    match n {
        Some(n) if n.tag_name().namespace() == Some(ns) && n.tag_name().name() == local => Ok(n),
        Some(n) => Err(XadesError::InvalidRequest(format!(
            "expected {local}, found {}",
            n.tag_name().name()
        ))),
        None => Err(XadesError::InvalidRequest(format!("missing {local}"))),
    }
}

/// The whitespace-collapsed text of a simple element (xsd:token semantics).
fn text_of(n: Node<'_, '_>) -> Result<String, XadesError> {
    let raw = raw_text_of(n)?;
    Ok(raw.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The text of a simple element as written (xsd:string semantics).
fn raw_text_of(n: Node<'_, '_>) -> Result<String, XadesError> {
    if n.children().any(|c| c.is_element()) {
        return Err(XadesError::InvalidRequest(format!(
            "{} must hold text only",
            n.tag_name().name()
        )));
    }
    let raw: String = n
        .children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect();
    Ok(raw)
}

fn check_no_stray_text(n: Node<'_, '_>) -> Result<(), XadesError> {
    for c in n.children() {
        if c.is_text() && !c.text().unwrap_or("").trim().is_empty() {
            return Err(XadesError::InvalidRequest(format!(
                "unexpected text in {}",
                n.tag_name().name()
            )));
        }
    }
    Ok(())
}

fn push_elem(x: &mut String, depth: usize, name: &str, value: &str) {
    for _ in 0..depth {
        x.push_str("  ");
    }
    x.push('<');
    x.push_str(name);
    x.push('>');
    super::escape_xml(x, value);
    x.push_str("</");
    x.push_str(name);
    x.push_str(">\n");
}
