//! FA(3) invoices: the document to render and its sections, in the order and with the labels
//! of the official visualisation.

mod extra;
mod lines;
mod parties;

use ksef_crypto::qr::QrEnvironment;
use ksef_invoice::Invoice;
use ksef_invoice::fa3::{FaP6OrOkresFa, RodzajFaktury};

use crate::RenderError;
use crate::doc::{Block, Doc, Field, field};
use crate::format;

/// An FA(3) invoice to render: the exact XML bytes (their SHA-256 goes into KOD I) and the
/// typed invoice read from them.
#[derive(Debug, Clone)]
pub struct InvoiceDocument {
    xml: Vec<u8>,
    invoice: Invoice,
}

/// What to print beyond the invoice itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceRenderOptions {
    /// The KSeF environment whose verification host the QR codes point at; without it no
    /// codes are printed.
    pub qr_environment: Option<QrEnvironment>,
    /// The invoice's KSeF number, printed in the header and under KOD I. Without it KOD I is
    /// labelled `OFFLINE` (an offline invoice, or one still waiting for its number).
    pub ksef_number: Option<String>,
    /// The signed KOD II link of an offline invoice (see [`kod2_url`](crate::kod2_url)),
    /// printed as a second code labelled `CERTYFIKAT`.
    pub kod2_url: Option<String>,
}

impl InvoiceDocument {
    /// Reads an FA(3) invoice. The bytes are kept as they are: KOD I is computed from them.
    pub fn from_xml(xml: impl Into<Vec<u8>>) -> Result<Self, RenderError> {
        let xml = xml.into();
        let invoice = Invoice::from_xml(&xml).map_err(|e| RenderError::Invoice(e.to_string()))?;
        Ok(Self { xml, invoice })
    }

    /// The typed invoice.
    pub fn invoice(&self) -> &Invoice {
        &self.invoice
    }

    /// The invoice XML exactly as given.
    pub fn xml(&self) -> &[u8] {
        &self.xml
    }

    /// Renders the invoice as an A4 PDF.
    pub fn to_pdf(&self, options: &InvoiceRenderOptions) -> Result<Vec<u8>, RenderError> {
        crate::pdf::render(&self.doc(options)?)
    }

    /// Renders the invoice as a standalone HTML page (inline styles and SVG QR codes).
    pub fn to_html(&self, options: &InvoiceRenderOptions) -> Result<String, RenderError> {
        crate::html::render(&self.doc(options)?)
    }

    fn doc(&self, options: &InvoiceRenderOptions) -> Result<Doc, RenderError> {
        let codes = crate::codes::invoice_codes(self, options)?;
        let fa = &self.invoice.fa;
        let mut blocks = vec![
            Block::Banner("Krajowy System e-Faktur (KSeF)".into()),
            Block::Title(kind(fa.rodzaj_faktury).into()),
            Block::Fields(header_fields(&self.invoice, options)),
        ];
        parties::blocks(&self.invoice, &mut blocks);
        lines::blocks(&self.invoice, &mut blocks);
        extra::blocks(&self.invoice, &mut blocks);
        if !codes.is_empty() {
            blocks.push(Block::Section("Sprawdź fakturę w KSeF".into()));
            blocks.push(Block::Codes(codes));
        }
        let mut footer = format!("Faktura {}", fa.p_2);
        if let Some(n) = &options.ksef_number {
            footer.push_str(&format!(" · Numer KSeF: {n}"));
        }
        Ok(Doc {
            title: format!("Faktura {}", fa.p_2),
            footer,
            blocks,
        })
    }
}

/// The heading of each invoice type (`RodzajFaktury`), as the official visualisation words it.
fn kind(k: RodzajFaktury) -> &'static str {
    k.description().unwrap_or("Faktura")
}

fn header_fields(invoice: &Invoice, options: &InvoiceRenderOptions) -> Vec<Field> {
    let fa = &invoice.fa;
    let mut f = Vec::new();
    if let Some(n) = &options.ksef_number {
        f.push(field("Numer KSeF:", n));
    }
    f.push(field(
        "Kolejny numer faktury, nadany w ramach jednej lub więcej serii, który w sposób jednoznaczny identyfikuje fakturę:",
        &fa.p_2,
    ));
    f.push(field(
        "Data wystawienia, z zastrzeżeniem art. 106na ust. 1 ustawy:",
        format::date(fa.p_1),
    ));
    if let Some(place) = &fa.p_1_m {
        f.push(field("Miejsce wystawienia faktury:", place));
    }
    match &fa.p_6_or_okres_fa {
        Some(FaP6OrOkresFa::P6(d)) => f.push(field(
            "Data dokonania lub zakończenia dostawy towarów lub wykonania usługi lub data otrzymania zapłaty:",
            format::date(*d),
        )),
        Some(FaP6OrOkresFa::OkresFa(o)) => {
            f.push(field(
                "Data początkowa okresu, którego dotyczy faktura:",
                format::date(o.p_6_od),
            ));
            f.push(field(
                "Data końcowa okresu, którego dotyczy faktura:",
                format::date(o.p_6_do),
            ));
        }
        None => {}
    }
    f.push(field("Kod waluty (ISO 4217):", currency(fa.kod_waluty)));
    if fa.fp.is_some() {
        f.push(field(
            "Faktura, o której mowa w art. 109 ust. 3d ustawy:",
            "Tak",
        ));
    }
    if fa.tp.is_some() {
        f.push(field(
            "Istniejące powiązania między nabywcą a dokonującym dostawy towarów lub usługodawcą:",
            "Tak",
        ));
    }
    f
}

/// A currency code with its name: `EUR (EURO)`.
pub(crate) fn currency(code: ksef_invoice::fa3::KodWaluty) -> String {
    with_name(code.as_str(), code.description())
}

/// `CODE (name)`, or the code alone.
pub(crate) fn with_name(code: &str, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.is_empty() => format!("{code} ({n})"),
        _ => code.to_owned(),
    }
}
