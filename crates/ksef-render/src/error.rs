//! Errors of rendering.

/// Why a document could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The invoice XML is not a readable FA(3) document.
    #[error("the invoice is not a readable FA(3) document: {0}")]
    Invoice(String),
    /// A QR verification code could not be built or drawn.
    #[error("QR code: {0}")]
    Qr(String),
    /// The embedded font could not be read or subset.
    #[error("font: {0}")]
    Font(String),
    /// An option is not acceptable (e.g. a malformed KSeF number).
    #[error("invalid {what}: {reason}")]
    InvalidOption {
        /// Which option.
        what: &'static str,
        /// What is wrong.
        reason: String,
    },
}
