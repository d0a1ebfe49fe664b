//! Invoice retrieval: the shared filters ([`filter`]), export records, and the package builder
//! ([`package`]) of `POST /invoices/exports`.

pub mod filter;
pub mod package;

pub use crate::state::exports::{ExportPackage, ExportPart, ExportRecord};
