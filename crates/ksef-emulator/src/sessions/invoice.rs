//! Verification of an invoice document and extraction of its metadata: encoding, well-formed
//! XML without processing instructions, the declared schema (root and namespace), required
//! fields, and the data `InvoiceMetadata` needs (FA(2), FA(3), FA_RR(1), PEF and PEF_KOR).

use ksef_model::rt::SpecConstrained;
use ksef_model::{
    BuyerIdentifierType, FormCode, InvoiceMetadataAuthorizedSubject, InvoiceMetadataBuyer,
    InvoiceMetadataBuyerIdentifier, InvoiceMetadataThirdSubject,
    InvoiceMetadataThirdSubjectIdentifier, InvoiceType, Nip, ThirdSubjectIdentifierType,
};
use roxmltree::{Document, Node, NodeType};

/// The invoice schemas KSeF accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// `FA (2)/1-0E/FA`.
    Fa2,
    /// `FA (3)/1-0E/FA`.
    Fa3,
    /// `FA_RR (1)/1-1E/FA_RR`.
    FaRr,
    /// `PEF (3)/2-1/PEF`.
    Pef,
    /// `PEF_KOR (3)/2-1/PEF`.
    PefKor,
}

impl Form {
    /// The form of a declared form code, if supported.
    pub(crate) fn from_code(code: &FormCode) -> Option<Form> {
        match (
            code.system_code.as_str(),
            code.schema_version.as_str(),
            code.value.as_str(),
        ) {
            ("FA (2)", "1-0E", "FA") => Some(Form::Fa2),
            ("FA (3)", "1-0E", "FA") => Some(Form::Fa3),
            ("FA_RR (1)", "1-1E", "FA_RR") => Some(Form::FaRr),
            ("PEF (3)", "2-1", "PEF") => Some(Form::Pef),
            ("PEF_KOR (3)", "2-1", "PEF") => Some(Form::PefKor),
            _ => None,
        }
    }

    /// Whether batch sessions accept the form.
    pub(crate) fn batch_allowed(self) -> bool {
        matches!(self, Form::Fa2 | Form::Fa3 | Form::FaRr)
    }

    fn namespace(self) -> &'static str {
        match self {
            Form::Fa2 => "http://crd.gov.pl/wzor/2023/06/29/12648/",
            Form::Fa3 => "http://crd.gov.pl/wzor/2025/06/25/13775/",
            Form::FaRr => "http://crd.gov.pl/wzor/2026/03/06/14189/",
            Form::Pef => "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
            Form::PefKor => "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
        }
    }

    fn root(self) -> &'static str {
        match self {
            Form::Fa2 | Form::Fa3 | Form::FaRr => "Faktura",
            Form::Pef => "Invoice",
            Form::PefKor => "CreditNote",
        }
    }

    /// The XSD file name reported in UPO (`NazwaStrukturyLogicznej`).
    pub(crate) fn xsd_name(self) -> &'static str {
        match self {
            Form::Fa2 => "Schemat_FA(2)_v1-0E.xsd",
            Form::Fa3 => "Schemat_FA(3)_v1-0E.xsd",
            Form::FaRr => "Schemat_FA_RR(1)_v1-1E.xsd",
            Form::Pef => "Schemat_PEF(3)_v2-1.xsd",
            Form::PefKor => "Schemat_PEF_KOR(3)_v2-1.xsd",
        }
    }
}

/// Why an invoice was refused: its status code, description and details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// Invoice status code (415, 430, 450, …).
    pub code: i32,
    /// Details.
    pub details: Vec<String>,
}

impl Rejection {
    /// A rejection with one detail.
    pub(crate) fn new(code: i32, detail: impl Into<String>) -> Self {
        Self {
            code,
            details: vec![detail.into()],
        }
    }
}

/// The invoice status description of a code.
pub(crate) fn invoice_status_description(code: i32) -> &'static str {
    match code {
        100 => "Faktura przyjęta do dalszego przetwarzania",
        150 => "Trwa przetwarzanie",
        200 => "Sukces",
        405 => "Przetwarzanie anulowane z powodu błędu sesji",
        410 => "Nieprawidłowy zakres uprawnień",
        415 => "Brak możliwości wysyłania faktury z załącznikiem",
        430 => "Błąd weryfikacji pliku faktury",
        435 => "Błąd odszyfrowania pliku",
        440 => "Duplikat faktury",
        450 => "Błąd weryfikacji semantyki dokumentu faktury",
        550 => "Operacja została anulowana przez system",
        _ => "Nieznany błąd",
    }
}

/// What the emulator reads from an invoice.
#[derive(Debug, Clone)]
pub(crate) struct ParsedInvoice {
    /// Seller NIP (`Podmiot1`).
    pub seller_nip: String,
    /// Seller name.
    pub seller_name: Option<String>,
    /// Buyer.
    pub buyer: InvoiceMetadataBuyer,
    /// Buyer NIP, when it has one.
    pub buyer_nip: Option<String>,
    /// Net total.
    pub net: f64,
    /// Gross total.
    pub gross: f64,
    /// VAT total in PLN.
    pub vat: f64,
    /// Currency.
    pub currency: String,
    /// Type for metadata.
    pub invoice_type: InvoiceType,
    /// `RodzajFaktury` as written (duplicate key).
    pub kind_raw: String,
    /// `P_2`.
    pub invoice_number: String,
    /// `P_1`.
    pub issue_date: time::Date,
    /// Whether it carries an attachment (`Zalacznik`).
    pub has_attachment: bool,
    /// Self-invoicing (`P_17` = 1).
    pub is_self_invoicing: bool,
    /// `Podmiot3` entries.
    pub third_subjects: Vec<InvoiceMetadataThirdSubject>,
    /// `PodmiotUpowazniony`.
    pub authorized_subject: Option<InvoiceMetadataAuthorizedSubject>,
}

impl ParsedInvoice {
    /// Whether the context with NIP `nip` may send this invoice: as the seller, as the buyer
    /// of a self-invoice or of a VAT RR invoice, as the authorised subject, or as a third
    /// subject acting as issuer (role 5).
    pub(crate) fn may_be_sent_by(&self, nip: &str, form: Form) -> bool {
        if self.seller_nip == nip {
            return true;
        }
        let buyer = self.buyer_nip.as_deref() == Some(nip);
        if buyer && (self.is_self_invoicing || form == Form::FaRr) {
            return true;
        }
        if self
            .authorized_subject
            .as_ref()
            .is_some_and(|a| a.nip.as_str() == nip)
        {
            return true;
        }
        self.third_subjects.iter().any(|t| {
            t.role == 5
                && t.identifier.r#type == ThirdSubjectIdentifierType::Nip
                && t.identifier.value.as_deref() == Some(nip)
        })
    }
}

fn file_error(detail: impl Into<String>) -> Rejection {
    Rejection::new(430, detail)
}

fn discouraged(c: char) -> bool {
    let u = u32::from(c);
    (0x7F..=0x84).contains(&u)
        || (0x86..=0x9F).contains(&u)
        || (0xFDD0..=0xFDEF).contains(&u)
        || (u >= 0x1FFFE && (u & 0xFFFE) == 0xFFFE)
}

/// Checks the encoding rules and parses the invoice for `form`.
pub(crate) fn parse(bytes: &[u8], form: Form) -> Result<ParsedInvoice, Rejection> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Err(file_error("Dokument zawiera znacznik BOM."));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| file_error("Dokument nie jest zakodowany w UTF-8."))?;
    if text.chars().any(discouraged) {
        return Err(file_error("Dokument zawiera niedozwolone znaki Unicode."));
    }
    if let Some(rest) = text.strip_prefix("<?xml")
        && let Some(end) = rest.find("?>")
    {
        let decl = rest.get(..end).unwrap_or_default().to_ascii_lowercase();
        if let Some(pos) = decl.find("encoding") {
            let value = decl.get(pos..).unwrap_or_default();
            if !value.contains("utf-8") {
                return Err(file_error("Prolog XML wskazuje kodowanie inne niż UTF-8."));
            }
        }
    }
    // No DTDs: entity declarations are refused (no entity expansion attacks).
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options)
        .map_err(|e| file_error(format!("Dokument nie jest poprawnym XML: {e}")))?;
    if doc.descendants().any(|n| n.node_type() == NodeType::PI) {
        return Err(file_error("Dokument zawiera instrukcje przetwarzania XML."));
    }
    let root = doc.root_element();
    if root.tag_name().name() != form.root()
        || root.tag_name().namespace() != Some(form.namespace())
    {
        return Err(file_error(format!(
            "Dokument nie jest zgodny ze schematem {} (element główny {{{}}}{}).",
            form.xsd_name(),
            root.tag_name().namespace().unwrap_or_default(),
            root.tag_name().name()
        )));
    }
    match form {
        Form::Fa2 | Form::Fa3 => crate::sessions::invoice_fa::parse_fa(root, form),
        Form::FaRr => crate::sessions::invoice_fa::parse_fa_rr(root),
        Form::Pef | Form::PefKor => parse_pef(root, form),
    }
}

/// The first child element named `name` (any namespace).
pub(crate) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

/// The element at a `/`-separated path below `node`.
pub(crate) fn at<'a, 'i>(node: Node<'a, 'i>, path: &str) -> Option<Node<'a, 'i>> {
    path.split('/').try_fold(node, |n, seg| child(n, seg))
}

/// The trimmed text at a path.
pub(crate) fn text_at(node: Node<'_, '_>, path: &str) -> Option<String> {
    at(node, path)
        .and_then(|n| n.text())
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The required text at a path, or a 430 naming the missing element.
pub(crate) fn required(node: Node<'_, '_>, path: &str) -> Result<String, Rejection> {
    text_at(node, path).ok_or_else(|| {
        file_error(format!(
            "Brak wymaganego elementu {path} (dokument niezgodny ze schematem)."
        ))
    })
}

/// A decimal amount; a malformed one is a 430.
pub(crate) fn amount(text: &str, path: &str) -> Result<f64, Rejection> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| file_error(format!("Nieprawidłowa kwota w elemencie {path}.")))
}

/// A `YYYY-MM-DD` date; a malformed one is a 430.
pub(crate) fn date(text: &str, path: &str) -> Result<time::Date, Rejection> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &fmt)
        .map_err(|_| file_error(format!("Nieprawidłowa data w elemencie {path}.")))
}

/// A NIP from the document, checked for shape (the spec's pattern), not for its check digit:
/// KSeF checks that only in production.
pub(crate) fn nip(text: &str, path: &str) -> Result<Nip, Rejection> {
    <Nip as SpecConstrained>::check_spec(text)
        .map(|()| Nip::new_unchecked(text))
        .map_err(|_| file_error(format!("Nieprawidłowy NIP w elemencie {path}.")))
}

/// Buyer identifier of a `DaneIdentyfikacyjne` node (`NIP`, `KodUE`+`NrVatUE`, `NrID`, `BrakID`).
pub(crate) fn buyer_identifier(ids: Option<Node<'_, '_>>) -> InvoiceMetadataBuyerIdentifier {
    let mut out = InvoiceMetadataBuyerIdentifier::new(BuyerIdentifierType::None);
    let Some(ids) = ids else { return out };
    if let Some(v) = text_at(ids, "NIP") {
        out.r#type = BuyerIdentifierType::Nip;
        out.value = Some(v);
    } else if let Some(v) = text_at(ids, "NrVatUE") {
        out.r#type = BuyerIdentifierType::VatUe;
        out.value = Some(format!("{}{v}", text_at(ids, "KodUE").unwrap_or_default()));
    } else if let Some(v) = text_at(ids, "NrID") {
        out.r#type = BuyerIdentifierType::Other;
        out.value = Some(v);
    }
    out
}

/// Third-subject identifier of a `DaneIdentyfikacyjne` node.
pub(crate) fn third_identifier(ids: Option<Node<'_, '_>>) -> InvoiceMetadataThirdSubjectIdentifier {
    let mut out = InvoiceMetadataThirdSubjectIdentifier::new(ThirdSubjectIdentifierType::None);
    let Some(ids) = ids else { return out };
    if let Some(v) = text_at(ids, "NIP") {
        out.r#type = ThirdSubjectIdentifierType::Nip;
        out.value = Some(v);
    } else if let Some(v) = text_at(ids, "IDWew") {
        out.r#type = ThirdSubjectIdentifierType::InternalId;
        out.value = Some(v);
    } else if let Some(v) = text_at(ids, "NrVatUE") {
        out.r#type = ThirdSubjectIdentifierType::VatUe;
        out.value = Some(format!("{}{v}", text_at(ids, "KodUE").unwrap_or_default()));
    } else if let Some(v) = text_at(ids, "NrID") {
        out.r#type = ThirdSubjectIdentifierType::Other;
        out.value = Some(v);
    }
    out
}

fn pef_nip(party: Option<Node<'_, '_>>) -> Option<String> {
    let party = party?;
    let raw = text_at(party, "Party/PartyTaxScheme/CompanyID")
        .or_else(|| text_at(party, "Party/PartyLegalEntity/CompanyID"))
        .or_else(|| text_at(party, "Party/EndpointID"))?;
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 10).then_some(digits)
}

fn parse_pef(root: Node<'_, '_>, form: Form) -> Result<ParsedInvoice, Rejection> {
    let number = required(root, "ID")?;
    let issue = date(&required(root, "IssueDate")?, "IssueDate")?;
    let currency = required(root, "DocumentCurrencyCode")?;
    let seller = pef_nip(child(root, "AccountingSupplierParty")).ok_or_else(|| {
        file_error(
            "Brak NIP sprzedawcy w AccountingSupplierParty (dokument niezgodny ze schematem).",
        )
    })?;
    let buyer_nip = pef_nip(child(root, "AccountingCustomerParty"));
    let mut buyer_id = InvoiceMetadataBuyerIdentifier::new(BuyerIdentifierType::None);
    if let Some(b) = &buyer_nip {
        buyer_id.r#type = BuyerIdentifierType::Nip;
        buyer_id.value = Some(b.clone());
    }
    let mut buyer = InvoiceMetadataBuyer::new(buyer_id);
    buyer.name = child(root, "AccountingCustomerParty")
        .and_then(|p| text_at(p, "Party/PartyLegalEntity/RegistrationName"));
    let net = text_at(root, "LegalMonetaryTotal/TaxExclusiveAmount")
        .map(|t| amount(&t, "TaxExclusiveAmount"))
        .transpose()?
        .unwrap_or(0.0);
    let gross = text_at(root, "LegalMonetaryTotal/TaxInclusiveAmount")
        .map(|t| amount(&t, "TaxInclusiveAmount"))
        .transpose()?
        .unwrap_or(net);
    let vat = text_at(root, "TaxTotal/TaxAmount")
        .map(|t| amount(&t, "TaxAmount"))
        .transpose()?
        .unwrap_or(gross - net);
    let (invoice_type, kind_raw) = if form == Form::PefKor {
        (InvoiceType::KorPef, "KorPef")
    } else {
        (InvoiceType::VatPef, "VatPef")
    };
    Ok(ParsedInvoice {
        seller_name: child(root, "AccountingSupplierParty")
            .and_then(|p| text_at(p, "Party/PartyLegalEntity/RegistrationName")),
        seller_nip: seller,
        buyer,
        buyer_nip,
        net,
        gross,
        vat,
        currency,
        invoice_type,
        kind_raw: kind_raw.to_owned(),
        invoice_number: number,
        issue_date: issue,
        has_attachment: false,
        is_self_invoicing: false,
        third_subjects: Vec::new(),
        authorized_subject: None,
    })
}
