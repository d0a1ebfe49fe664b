//! PDF and HTML visualisation of KSeF documents: FA(3) invoices with their KOD I / KOD II
//! verification QR codes, and UPOs (official confirmations of receipt).
//!
//! The layout follows the Ministry of Finance's official visualisation of FA(3): the same
//! sections in the same order with the same Polish labels (header and invoice type, seller and
//! buyer, third parties, authorised subject, lines, per-rate VAT summary, amount due, payment,
//! annotations, additional descriptions, settlement, transaction terms, order, footer and
//! registers); code lists are shown by name (countries, currencies, payment forms, roles), and
//! amounts the Polish way (`1 234,50`).
//!
//! PDFs are A4 and self-contained: the fonts (Liberation Sans, with every Polish letter) are
//! embedded as subsets, tables continue across pages with their header repeated, pages are
//! numbered, long texts wrap. Everything is pure Rust; nothing is run or downloaded.
//!
//! ```
//! use ksef_render::{InvoiceDocument, InvoiceRenderOptions, QrEnvironment};
//!
//! # fn main() -> Result<(), ksef_render::RenderError> {
//! let xml = include_str!("../../../fixtures/invoices/fa3-basic.xml");
//! let invoice = InvoiceDocument::from_xml(xml)?;
//! let options = InvoiceRenderOptions {
//!     // KOD I for the TEST environment, labelled with the invoice's KSeF number.
//!     qr_environment: Some(QrEnvironment::Test),
//!     ksef_number: Some("5265877635-20250826-0100001AF629-AF".into()),
//!     ..Default::default()
//! };
//! let pdf = invoice.to_pdf(&options)?;
//! assert!(pdf.starts_with(b"%PDF-"));
//! let html = invoice.to_html(&options)?;
//! assert!(html.contains("SPRZEDAWCA"));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

mod codes;
mod doc;
mod error;
mod format;
mod html;
mod invoice;
mod pdf;
mod upo;

pub use codes::{OfflineSigner, kod2_url};
pub use error::RenderError;
pub use invoice::{InvoiceDocument, InvoiceRenderOptions};
pub use ksef_crypto::qr::QrEnvironment;
pub use upo::{UpoDocumentView, UpoPageView, UpoView};
