//! Getting invoices out: download, metadata query, exports and incremental (HWM) sync.

mod export;
mod query;
mod sync;

pub use export::{Export, ExportContents, PackageProblem, PartProblem, download_package};
pub use query::DownloadedInvoice;
pub use sync::{IncrementalSync, SyncOptions, SyncState, SyncedInvoice};
