//! Batch packages for KSeF 2.0.
//!
//! [`PackageBuilder`] turns invoices (files or bytes) into a ZIP or tar.gz package, streaming:
//! each invoice is checked (UTF-8 without BOM, well-formed XML, size) and added, the archive
//! stream is cut into parts of at most 100 MB, and every part is encrypted with the session key
//! into a spool file while the hashes and sizes the open request needs are computed in the same
//! pass. Memory stays bounded whatever the package size (see [`package`] for the trade-off).
//! [`upload::upload_parts`] then sends the parts in parallel to the pre-signed URLs of the open
//! response — without the bearer token, with exactly the returned headers, retrying failed parts
//! — and reports progress through [`Progress`]. [`unpack`] unpacks received packages safely,
//! also while they arrive part by part ([`arrival`]).
#![forbid(unsafe_code)]

pub mod arrival;
mod error;
mod inflate;
mod invoice;
mod limits;
pub mod package;
mod parallel;
mod pgzip;
mod progress;
mod split;
pub mod unpack;
pub mod upload;
mod xml_check;
mod zip_stream;

pub use error::{BatchError, InvoiceProblem};
pub use invoice::{InvoiceData, InvoiceSource, check_invoice, read_bounded};
pub use limits::BatchLimits;
pub use package::{Compression, PackageBuilder, PackagedInvoice, PreparedPackage};
pub use progress::{NoProgress, Progress};
pub use split::PreparedPart;
