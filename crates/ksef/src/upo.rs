//! UPO (Urzędowe Poświadczenie Odbioru — the official receipt) parsed into typed values.
//!
//! KSeF returns UPOs as XML following `upo-v4-3.xsd` (namespace
//! `http://upo.schematy.mf.gov.pl/KSeF/v4-3`), for one invoice or for a whole session (pages of
//! up to 10,000 documents). [`parse_upo`] reads both. The XML itself is the legal document:
//! keep it as received; the parsed form is for lookups and reports.
//!
//! KSeF signs UPOs with an enveloped XAdES signature of the Ministry of Finance. [`parse_upo`]
//! verifies it and reports the signer in [`Upo::signature`]; a UPO whose signature does not
//! verify (changed after signing) is [`UpoError::Signature`]. A UPO without any signature (the
//! official examples are unsigned) is [`UpoSignature::Unsigned`]: whether to accept that, and
//! whether the signer certificate is the one you trust, is the caller's decision.

use ksef_crypto::credentials::Certificate;
use ksef_crypto::xades::{DocumentSignature, XadesError, verify_document_signature};
use time::{Date, OffsetDateTime};

/// The namespace prefix of UPO v4.x documents.
pub const UPO_NAMESPACE_PREFIX: &str = "http://upo.schematy.mf.gov.pl/KSeF/v4-";

/// The context the UPO was issued in (`IdKontekstu`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpoContext {
    /// `Nip`
    Nip(String),
    /// `IdWewnetrzny`
    InternalId(String),
    /// `IdZlozonyVatUE`
    NipVatUe(String),
    /// `IdDostawcyUslugPeppol`
    PeppolId(String),
}

/// `OpisPotwierdzenia`: which part of a multi-page session UPO this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpoPagination {
    /// `Strona`
    pub page: u32,
    /// `LiczbaStron`
    pub pages: u32,
    /// `ZakresDokumentowOd`
    pub first_document: u32,
    /// `ZakresDokumentowDo`
    pub last_document: u32,
    /// `CalkowitaLiczbaDokumentow`
    pub total_documents: u32,
}

/// One acknowledged invoice (`Dokument`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpoDocument {
    /// `NipSprzedawcy`
    pub seller_nip: String,
    /// `NumerKSeFDokumentu`
    pub ksef_number: String,
    /// `NumerFaktury`
    pub invoice_number: String,
    /// `DataWystawieniaFaktury`
    pub issue_date: Date,
    /// `DataPrzeslaniaDokumentu`
    pub sent_at: OffsetDateTime,
    /// `DataNadaniaNumeruKSeF`
    pub ksef_number_assigned_at: OffsetDateTime,
    /// `SkrotDokumentu`: SHA-256 of the invoice, base64.
    pub invoice_hash: String,
    /// `TrybWysylki` (`Online`, `Offline`).
    pub mode: String,
}

/// A parsed UPO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upo {
    /// The namespace (schema version) of the document.
    pub namespace: String,
    /// `NazwaPodmiotuPrzyjmujacego`
    pub receiving_entity: String,
    /// `NumerReferencyjnySesji`
    pub session_reference_number: String,
    /// `Uwierzytelnienie/IdKontekstu`
    pub context: UpoContext,
    /// `NumerReferencyjnyTokenaKSeF` (token authentication).
    pub ksef_token_reference_number: Option<String>,
    /// `SkrotDokumentuUwierzytelniajacego` (signature authentication).
    pub authentication_document_hash: Option<String>,
    /// `OpisPotwierdzenia` (session UPOs).
    pub pagination: Option<UpoPagination>,
    /// `NazwaStrukturyLogicznej`
    pub schema_name: String,
    /// `KodFormularza`
    pub form_code: String,
    /// The acknowledged invoices.
    pub documents: Vec<UpoDocument>,
    /// The signature over the whole UPO.
    pub signature: UpoSignature,
}

/// Whether and by whom a UPO is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpoSignature {
    /// The UPO carries no signature.
    Unsigned,
    /// The signature verifies over the whole UPO.
    Signed(Box<UpoSigner>),
}

impl UpoSignature {
    /// The signer, when the UPO is signed.
    pub fn signer(&self) -> Option<&UpoSigner> {
        match self {
            UpoSignature::Unsigned => None,
            UpoSignature::Signed(signer) => Some(signer),
        }
    }
}

/// The signer of a verified UPO signature.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UpoSigner {
    /// The signer certificate (check it is the Ministry's, e.g. by
    /// [`Certificate::subject_name`] or a pinned [`Certificate::fingerprint_sha256_hex`]).
    pub certificate: Certificate,
    /// `xades:SigningTime`, when the signature carries one.
    pub signing_time: Option<OffsetDateTime>,
    /// Whether the signature is XAdES (with checked `SignedProperties`) rather than plain
    /// XML-DSig.
    pub xades: bool,
}

impl From<DocumentSignature> for UpoSigner {
    fn from(s: DocumentSignature) -> Self {
        UpoSigner {
            certificate: s.certificate,
            signing_time: s.signing_time,
            xades: s.xades,
        }
    }
}

/// A UPO could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UpoError {
    /// Not well-formed XML.
    #[error("the UPO is not well-formed XML: {0}")]
    Xml(String),
    /// Not a UPO v4 document.
    #[error("not a UPO v4 document (root {0})")]
    NotUpo(String),
    /// A required element is missing or empty.
    #[error("the UPO has no {0}")]
    Missing(&'static str),
    /// A value has the wrong format.
    #[error("the UPO's {element} is not valid: {value:?}")]
    Invalid {
        /// The element.
        element: &'static str,
        /// Its text.
        value: String,
    },
    /// The UPO is signed but the signature does not verify: the UPO was changed after signing,
    /// or the signature is malformed.
    #[error("the UPO's signature does not verify: {0}")]
    Signature(XadesError),
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn text(node: Node<'_, '_>, name: &'static str) -> Result<String, UpoError> {
    child(node, name)
        .and_then(|c| c.text())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(UpoError::Missing(name))
}

fn number(node: Node<'_, '_>, name: &'static str) -> Result<u32, UpoError> {
    let value = text(node, name)?;
    value.parse().map_err(|_| UpoError::Invalid {
        element: name,
        value,
    })
}

fn timestamp(node: Node<'_, '_>, name: &'static str) -> Result<OffsetDateTime, UpoError> {
    let value = text(node, name)?;
    ksef_model::rt::datetime::parse_date_time(&value).map_err(|_| UpoError::Invalid {
        element: name,
        value,
    })
}

/// Parses a UPO (per invoice or per session page).
pub fn parse_upo(xml: &[u8]) -> Result<Upo, UpoError> {
    let text_xml = std::str::from_utf8(xml).map_err(|e| UpoError::Xml(e.to_string()))?;
    let doc = roxmltree::Document::parse(text_xml).map_err(|e| UpoError::Xml(e.to_string()))?;
    let root = doc.root_element();
    let namespace = root.tag_name().namespace().unwrap_or("").to_owned();
    if root.tag_name().name() != "Potwierdzenie" || !namespace.starts_with(UPO_NAMESPACE_PREFIX) {
        return Err(UpoError::NotUpo(format!(
            "{{{namespace}}}{}",
            root.tag_name().name()
        )));
    }
    let auth = child(root, "Uwierzytelnienie").ok_or(UpoError::Missing("Uwierzytelnienie"))?;
    let ctx = child(auth, "IdKontekstu").ok_or(UpoError::Missing("IdKontekstu"))?;
    let context = if let Ok(v) = text(ctx, "Nip") {
        UpoContext::Nip(v)
    } else if let Ok(v) = text(ctx, "IdWewnetrzny") {
        UpoContext::InternalId(v)
    } else if let Ok(v) = text(ctx, "IdZlozonyVatUE") {
        UpoContext::NipVatUe(v)
    } else if let Ok(v) = text(ctx, "IdDostawcyUslugPeppol") {
        UpoContext::PeppolId(v)
    } else {
        return Err(UpoError::Missing("IdKontekstu value"));
    };
    let pagination = match child(root, "OpisPotwierdzenia") {
        Some(p) => Some(UpoPagination {
            page: number(p, "Strona")?,
            pages: number(p, "LiczbaStron")?,
            first_document: number(p, "ZakresDokumentowOd")?,
            last_document: number(p, "ZakresDokumentowDo")?,
            total_documents: number(p, "CalkowitaLiczbaDokumentow")?,
        }),
        None => None,
    };
    let mut documents = Vec::new();
    for d in root
        .children()
        .filter(|c| c.is_element() && c.tag_name().name() == "Dokument")
    {
        let issue = text(d, "DataWystawieniaFaktury")?;
        documents.push(UpoDocument {
            seller_nip: text(d, "NipSprzedawcy")?,
            ksef_number: text(d, "NumerKSeFDokumentu")?,
            invoice_number: text(d, "NumerFaktury")?,
            issue_date: ksef_model::rt::datetime::parse_date(&issue).map_err(|_| {
                UpoError::Invalid {
                    element: "DataWystawieniaFaktury",
                    value: issue.clone(),
                }
            })?,
            sent_at: timestamp(d, "DataPrzeslaniaDokumentu")?,
            ksef_number_assigned_at: timestamp(d, "DataNadaniaNumeruKSeF")?,
            invoice_hash: text(d, "SkrotDokumentu")?,
            mode: text(d, "TrybWysylki")?,
        });
    }
    let signature = match verify_document_signature(text_xml, OffsetDateTime::now_utc()) {
        Ok(Some(verified)) => UpoSignature::Signed(Box::new(verified.into())),
        Ok(None) => UpoSignature::Unsigned,
        Err(e) => return Err(UpoError::Signature(e)),
    };
    Ok(Upo {
        namespace,
        receiving_entity: text(root, "NazwaPodmiotuPrzyjmujacego")?,
        session_reference_number: text(root, "NumerReferencyjnySesji")?,
        context,
        ksef_token_reference_number: text(auth, "NumerReferencyjnyTokenaKSeF").ok(),
        authentication_document_hash: text(auth, "SkrotDokumentuUwierzytelniajacego").ok(),
        pagination,
        schema_name: text(root, "NazwaStrukturyLogicznej")?,
        form_code: text(root, "KodFormularza")?,
        documents,
        signature,
    })
}
