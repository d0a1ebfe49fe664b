//! UPO (urzędowe poświadczenie odbioru — the official confirmation of receipt) as a PDF or
//! HTML page. The renderer takes a plain view: the `ksef` facade parses UPO XML and fills it
//! (`ksef::upo::Upo::to_view`, feature `render`).

use time::{Date, OffsetDateTime};

use crate::RenderError;
use crate::doc::{Align, Block, Doc, Table, field};
use crate::format;

/// Everything a UPO shows, invoice UPO (one document) or session UPO (a page of a session's
/// documents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpoView {
    /// `NazwaPodmiotuPrzyjmujacego`: who received the documents.
    pub receiving_entity: String,
    /// `NumerReferencyjnySesji`.
    pub session_reference_number: String,
    /// The context identifier, with its kind (e.g. `NIP 5265877635`).
    pub context: String,
    /// `NumerReferencyjnyTokenaKSeF`, when the session was opened with a KSeF token.
    pub ksef_token_reference_number: Option<String>,
    /// `SkrotDokumentuUwierzytelniajacego`, when the session was opened with a signed document.
    pub authentication_document_hash: Option<String>,
    /// `OpisPotwierdzenia` of a session UPO: page, pages, document range and total.
    pub pagination: Option<UpoPageView>,
    /// `NazwaStrukturyLogicznej`.
    pub schema_name: String,
    /// `KodFormularza`.
    pub form_code: String,
    /// The confirmed documents.
    pub documents: Vec<UpoDocumentView>,
    /// Who signed the UPO and when (a line of text), when it is signed.
    pub signature: Option<String>,
}

/// `OpisPotwierdzenia`: which part of a multi-page session UPO this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpoPageView {
    /// `Strona`.
    pub page: u32,
    /// `LiczbaStron`.
    pub pages: u32,
    /// `ZakresDokumentowOd`.
    pub first_document: u32,
    /// `ZakresDokumentowDo`.
    pub last_document: u32,
    /// `CalkowitaLiczbaDokumentow`.
    pub total_documents: u32,
}

/// One confirmed document (`Dokument`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpoDocumentView {
    /// `NipSprzedawcy`.
    pub seller_nip: String,
    /// `NumerKSeFDokumentu`.
    pub ksef_number: String,
    /// `NumerFaktury`.
    pub invoice_number: String,
    /// `DataWystawieniaFaktury`.
    pub issue_date: Date,
    /// `DataPrzeslaniaDokumentu`.
    pub sent_at: OffsetDateTime,
    /// `DataNadaniaNumeruKSeF`.
    pub ksef_number_assigned_at: OffsetDateTime,
    /// `SkrotDokumentu` (base64 SHA-256 of the invoice).
    pub invoice_hash: String,
    /// `TrybWysylki` (`Online` / `Offline`).
    pub mode: String,
}

impl UpoView {
    /// Renders the UPO as an A4 PDF.
    pub fn to_pdf(&self) -> Result<Vec<u8>, RenderError> {
        crate::pdf::render(&self.doc())
    }

    /// Renders the UPO as a standalone HTML page.
    pub fn to_html(&self) -> Result<String, RenderError> {
        crate::html::render(&self.doc())
    }

    fn doc(&self) -> Doc {
        let session = self.pagination.is_some() || self.documents.len() != 1;
        let title = if session {
            "Urzędowe poświadczenie odbioru dokumentów elektronicznych (UPO sesji)"
        } else {
            "Urzędowe poświadczenie odbioru dokumentu elektronicznego (UPO faktury)"
        };
        let mut blocks = vec![
            Block::Banner("Krajowy System e-Faktur (KSeF)".into()),
            Block::Title(title.into()),
            Block::Section("Dane poświadczenia".into()),
        ];
        let mut f = vec![
            field("Nazwa podmiotu przyjmującego:", &self.receiving_entity),
            field("Numer referencyjny sesji:", &self.session_reference_number),
            field("Identyfikator kontekstu:", &self.context),
        ];
        if let Some(t) = &self.ksef_token_reference_number {
            f.push(field("Numer referencyjny tokena KSeF:", t));
        }
        if let Some(h) = &self.authentication_document_hash {
            f.push(field("Skrót dokumentu uwierzytelniającego:", h));
        }
        if let Some(p) = &self.pagination {
            f.push(field("Strona:", format!("{} z {}", p.page, p.pages)));
            f.push(field(
                "Zakres dokumentów:",
                format!(
                    "{}–{} z {}",
                    p.first_document, p.last_document, p.total_documents
                ),
            ));
        }
        f.push(field("Nazwa struktury logicznej:", &self.schema_name));
        f.push(field("Kod formularza:", &self.form_code));
        if let Some(s) = &self.signature {
            f.push(field("Podpis:", s));
        }
        blocks.push(Block::Fields(f));
        blocks.push(Block::Section("Dokumenty".into()));
        let mut t = Table::new(&[
            ("Lp.", 0.35, Align::Right),
            ("Numer KSeF dokumentu / skrót dokumentu", 2.3, Align::Left),
            ("Numer faktury", 1.0, Align::Left),
            ("NIP sprzedawcy", 0.9, Align::Left),
            ("Data wystawienia faktury", 0.85, Align::Left),
            ("Data przesłania dokumentu", 1.1, Align::Left),
            ("Data nadania numeru KSeF", 1.1, Align::Left),
            ("Tryb wysyłki", 0.6, Align::Left),
        ]);
        let first = self.pagination.map_or(1, |p| p.first_document);
        for (i, d) in self.documents.iter().enumerate() {
            t.rows.push(vec![
                (u64::from(first) + i as u64).to_string(),
                format!("{}\n{}", d.ksef_number, d.invoice_hash),
                d.invoice_number.clone(),
                d.seller_nip.clone(),
                format::date(d.issue_date),
                format::date_time(d.sent_at),
                format::date_time(d.ksef_number_assigned_at),
                d.mode.clone(),
            ]);
        }
        blocks.push(Block::Table(t));
        Doc {
            title: title.into(),
            footer: format!("UPO · sesja {}", self.session_reference_number),
            blocks,
        }
    }
}
