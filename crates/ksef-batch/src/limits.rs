//! The limits of a batch session, as the API documents them (sizes in SI units).

/// Limits applied while preparing a package. The defaults are KSeF's; lower them (or raise them
/// for a server with other limits, such as a test double).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchLimits {
    /// Size of one part before encryption (≤ 100 MB).
    pub part_size: u64,
    /// Parts per package (≤ 50).
    pub max_parts: usize,
    /// Size of the whole package before encryption (≤ 5 GB).
    pub max_package_size: u64,
    /// Invoices per session (≤ 10,000).
    pub max_invoices: usize,
    /// Size of one invoice without attachments (≤ 1 MB).
    pub max_invoice_size: u64,
    /// Size of one invoice with attachments (≤ 3 MB).
    pub max_invoice_with_attachments_size: u64,
}

impl Default for BatchLimits {
    fn default() -> Self {
        Self {
            part_size: 100_000_000,
            max_parts: 50,
            max_package_size: 5_000_000_000,
            max_invoices: 10_000,
            max_invoice_size: 1_000_000,
            max_invoice_with_attachments_size: 3_000_000,
        }
    }
}
