//! Invoice retrieval: the shared filters ([`filter`]), export records, and the package builder
//! ([`package`]) of `POST /invoices/exports`.

pub(crate) mod filter;
pub(crate) mod package;

pub use crate::state::exports::{ExportPackage, ExportPart, ExportRecord};
