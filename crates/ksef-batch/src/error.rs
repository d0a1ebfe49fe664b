//! Errors of package preparation and upload.

use std::path::PathBuf;

/// Why a package could not be prepared or uploaded. Every preparation error happens before
/// anything is sent to KSeF.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The package has no invoices.
    #[error("the batch is empty: add at least one invoice")]
    Empty,
    /// More invoices than a session accepts.
    #[error("{count} invoices exceed the limit of {limit} per session")]
    TooManyInvoices {
        /// Invoices given.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// An invoice file could not be read.
    #[error("cannot read invoice {path}: {source}")]
    ReadInvoice {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An invoice is not acceptable to KSeF.
    #[error("invoice {name} is invalid: {reason}")]
    InvalidInvoice {
        /// The entry name.
        name: String,
        /// What is wrong.
        reason: InvoiceProblem,
    },
    /// Two invoices have the same name inside the package.
    #[error("two invoices are named {0} inside the package")]
    DuplicateName(String),
    /// An entry name cannot be stored in the archive.
    #[error("invalid entry name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// The package needs more parts than a session accepts.
    #[error("the package needs more than {max_parts} parts of {part_size} bytes")]
    TooManyParts {
        /// The limit of parts.
        max_parts: usize,
        /// The part size.
        part_size: u64,
    },
    /// The package is larger than a session accepts.
    #[error("the package exceeds {limit} bytes")]
    PackageTooLarge {
        /// The limit.
        limit: u64,
    },
    /// Writing the archive or the spooled parts failed.
    #[error("cannot write the package: {0}")]
    Io(#[from] std::io::Error),
    /// The archive library failed.
    #[error("cannot build the archive: {0}")]
    Archive(String),
    /// A spooled part changed on disk since it was prepared.
    #[error(
        "part {ordinal} on disk does not match what was prepared (expected SHA-256 {expected})"
    )]
    PartChanged {
        /// The part.
        ordinal: u32,
        /// The expected hash.
        expected: String,
    },
    /// Uploading a part failed.
    #[error("uploading part {ordinal} failed: {source}")]
    Upload {
        /// The part.
        ordinal: u32,
        /// The cause.
        #[source]
        source: ksef_http::Error,
    },
    /// The server did not return an upload URL for a part.
    #[error("the server returned no upload request for part {0}")]
    MissingUploadRequest(u32),
}

/// What is wrong with an invoice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceProblem {
    /// Empty file.
    #[error("the file is empty")]
    Empty,
    /// Starts with a UTF-8 byte order mark.
    #[error("starts with a byte order mark (BOM); KSeF requires UTF-8 without BOM")]
    Bom,
    /// Not UTF-8.
    #[error("is not valid UTF-8 (at byte {0})")]
    NotUtf8(usize),
    /// Not well-formed XML.
    #[error("is not well-formed XML: {0}")]
    NotXml(String),
    /// Contains a processing instruction besides the XML declaration.
    #[error("contains a processing instruction, which KSeF rejects")]
    ProcessingInstruction,
    /// Too large.
    #[error("{size} bytes exceed the limit of {limit} bytes")]
    TooLarge {
        /// The size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}
