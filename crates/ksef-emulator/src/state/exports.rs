//! Invoice exports (`Store::exports`): the records of `POST /invoices/exports`, their built
//! packages and parts.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::state::Ident;

/// Archive format of a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Compression {
    #[default]
    /// ZIP with deflate (the default).
    Zip,
    /// A gzip-compressed tar archive.
    TarGz,
}

impl Compression {
    /// The compression as the spec names it (`InvoicePackage.compressionType`).
    pub fn wire(self) -> ksef_model::CompressionType {
        match self {
            Compression::Zip => ksef_model::CompressionType::Zip,
            Compression::TarGz => ksef_model::CompressionType::TarGz,
        }
    }

    /// The file extension of the archive.
    pub fn extension(self) -> &'static str {
        match self {
            Compression::Zip => "zip",
            Compression::TarGz => "tar.gz",
        }
    }
}

/// One part of a built export package (the encrypted bytes live in the blob store).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportPart {
    /// `ordinalNumber`, from 1.
    pub ordinal: i32,
    /// `partName`, e.g. `20250925-EH-…-001.zip.aes`.
    pub name: String,
    /// Key of the encrypted part in the blob store.
    pub blob_key: String,
    /// Size of the plain part.
    pub size: i64,
    /// SHA-256 (base64) of the plain part.
    pub hash: String,
    /// Size of the encrypted part.
    pub encrypted_size: i64,
    /// SHA-256 (base64) of the encrypted part.
    pub encrypted_hash: String,
}

/// A built export package.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportPackage {
    /// Invoices in the package.
    pub invoice_count: i64,
    /// Size of the (plain, compressed) package.
    pub size: i64,
    /// Whether a limit cut the result.
    pub is_truncated: bool,
    /// Issue date of the last invoice (truncated `Issue` exports).
    pub last_issue_date: Option<Date>,
    /// Invoicing date of the last invoice (truncated `Invoicing` exports).
    pub last_invoicing_date: Option<OffsetDateTime>,
    /// Permanent-storage date of the last invoice (truncated `PermanentStorage` exports).
    pub last_permanent_storage_date: Option<OffsetDateTime>,
    /// The HWM of the export (`PermanentStorage` exports).
    pub permanent_storage_hwm_date: Option<OffsetDateTime>,
    /// When the package stops being downloadable.
    pub expires: OffsetDateTime,
    /// The parts.
    pub parts: Vec<ExportPart>,
    /// The archive format (states saved before 2.9 hold ZIP packages).
    #[serde(default)]
    pub compression: Compression,
}

/// An export operation (`/invoices/exports/{referenceNumber}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExportRecord {
    /// Reference number (`EH`).
    pub reference: String,
    /// The context it was requested in.
    pub context: Ident,
    /// The subject that requested it.
    pub subject: Ident,
    /// When it was requested.
    pub created: OffsetDateTime,
    /// Status code (100 while in progress).
    pub status: i32,
    /// Status description.
    pub description: String,
    /// Status details.
    pub details: Vec<String>,
    /// When processing ended.
    pub completed: Option<OffsetDateTime>,
    /// The package, once built.
    pub package: Option<ExportPackage>,
}

impl ExportRecord {
    /// Whether the export still counts against the concurrent-export limit.
    pub fn in_progress(&self) -> bool {
        self.status == 100
    }
}
