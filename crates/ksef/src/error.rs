//! The facade's error type.

use std::time::Duration;

/// Why an authentication ended without tokens (status codes of `GET /auth/{referenceNumber}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// 415: the subject has no permissions in the context.
    NoPermissions,
    /// 425: the authentication was revoked by the user.
    Revoked,
    /// 450: bad token (invalid challenge, token or token time; revoked or inactive token).
    InvalidToken,
    /// 460: certificate error (invalid, chain, untrusted, revoked, suspended).
    Certificate,
    /// 470: the person is deceased.
    DeceasedPerson,
    /// 480: blocked after a security incident.
    Blocked,
    /// 500: unknown error.
    Unknown,
    /// 550: cancelled by the system; trying again may succeed.
    CancelledBySystem,
    /// A status code this version does not know.
    Other(i32),
}

impl AuthFailure {
    /// Maps a status code.
    pub fn from_code(code: i32) -> Self {
        use ksef_model::status::authentication_operation as s;
        match code {
            s::NO_PERMISSIONS => Self::NoPermissions,
            s::REVOKED => Self::Revoked,
            s::INVALID_TOKEN => Self::InvalidToken,
            s::CERTIFICATE_ERROR => Self::Certificate,
            s::DECEASED_PERSON => Self::DeceasedPerson,
            s::BLOCKED => Self::Blocked,
            s::UNKNOWN_ERROR => Self::Unknown,
            s::CANCELLED_BY_SYSTEM => Self::CancelledBySystem,
            other => Self::Other(other),
        }
    }
}

/// Why an export ended without a package (status codes of `GET /invoices/exports/{ref}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExportFailure {
    /// 210: the package expired.
    Expired,
    /// 415: the key could not be decrypted.
    KeyError,
    /// 420: `from` lies after the high-water mark.
    FromAfterHwm,
    /// 500: unknown error.
    Unknown,
    /// 550: cancelled by the system; try again.
    CancelledBySystem,
    /// A status code this version does not know.
    Other(i32),
}

impl ExportFailure {
    /// Maps a status code.
    pub fn from_code(code: i32) -> Self {
        use ksef_model::status::invoice_export as s;
        match code {
            s::EXPIRED => Self::Expired,
            s::KEY_DECRYPTION_ERROR => Self::KeyError,
            s::FROM_AFTER_HWM => Self::FromAfterHwm,
            s::UNKNOWN_ERROR => Self::Unknown,
            s::CANCELLED_BY_SYSTEM => Self::CancelledBySystem,
            other => Self::Other(other),
        }
    }
}

/// What a wait that ran out of time was waiting for (see [`Error::Timeout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WaitingFor {
    /// An authentication operation to end (status stayed 100).
    Authentication,
    /// An invoice of a session to get its final status.
    Invoice,
    /// A batch session's processing to end.
    BatchSession,
    /// A closed session's collective UPO.
    SessionUpo,
    /// An export package to be ready.
    Export,
    /// A permission grant or revocation to be carried out.
    PermissionOperation,
    /// A KSeF token to reach the awaited status.
    Token,
    /// KSeF to issue the certificate of an enrollment.
    CertificateEnrollment,
}

impl std::fmt::Display for WaitingFor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Authentication => "authentication",
            Self::Invoice => "invoice",
            Self::BatchSession => "batch session",
            Self::SessionUpo => "session UPO",
            Self::Export => "export",
            Self::PermissionOperation => "permission operation",
            Self::Token => "token",
            Self::CertificateEnrollment => "certificate enrollment",
        })
    }
}

/// A cryptographic step that failed, with the `ksef-crypto` error as its source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// Choosing or using a Ministry of Finance public key (RSA-OAEP wrapping of the session key
    /// or of a KSeF token).
    #[error(transparent)]
    PublicKey(#[from] ksef_crypto::public_key::PublicKeyError),
    /// Signing an authentication request (XAdES).
    #[error(transparent)]
    Xades(#[from] ksef_crypto::xades::XadesError),
}

/// The error of a facade call.
///
/// `#[non_exhaustive]`: later versions may add variants; match the ones you handle and keep a
/// `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An API call failed (status, exception codes, problem details, trace id are inside).
    #[error(transparent)]
    Http(#[from] ksef_http::Error),
    /// The authentication operation ended with a failure status.
    #[error("authentication failed ({kind:?}, status {code}): {description}{}", details_suffix(.details))]
    AuthFailed {
        /// The status code.
        code: i32,
        /// Its meaning.
        kind: AuthFailure,
        /// The server's description.
        description: String,
        /// The server's details.
        details: Vec<String>,
    },
    /// The operation needs an access token and the client is not logged in.
    #[error("{operation} needs an access token: log in first")]
    NotAuthenticated {
        /// The operation.
        operation: &'static str,
    },
    /// A cryptographic step failed.
    #[error("cryptography: {0}")]
    Crypto(#[from] CryptoError),
    /// A file-system operation failed (reading an input, writing a state file, an export or a
    /// synchronised invoice; a full disk is this, never [`Error::InvalidInput`]).
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The input given to the SDK is not valid.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// KSeF did not accept an invoice (its final status is a failure).
    #[error("{0}")]
    Rejected(Box<crate::sending::InvoiceRejected>),
    /// A session ended with a failure status.
    #[error("session {reference_number} failed with status {code}: {description}{}", details_suffix(.details))]
    SessionFailed {
        /// The session.
        reference_number: String,
        /// The status code.
        code: i32,
        /// Description.
        description: String,
        /// Details.
        details: Vec<String>,
    },
    /// Preparing or uploading a batch package failed.
    #[error(transparent)]
    Batch(#[from] ksef_batch::BatchError),
    /// An export ended with a failure status.
    #[error("export {reference_number} failed ({kind:?}, status {code}): {description}")]
    ExportFailed {
        /// The export.
        reference_number: String,
        /// Its meaning.
        kind: ExportFailure,
        /// The status code.
        code: i32,
        /// Description.
        description: String,
    },
    /// One part of an export package is not what the status announced.
    #[error("export part {ordinal}: {problem}")]
    ExportPart {
        /// The part's ordinal number.
        ordinal: i32,
        /// What is wrong.
        problem: crate::retrieval::PartProblem,
    },
    /// A downloaded export package is incomplete or inconsistent (export it again).
    #[error("export package: {0}")]
    ExportPackage(crate::retrieval::PackageProblem),
    /// A downloaded document does not have the hash the server announced.
    #[error("{what}: SHA-256 {actual} instead of the announced {expected}")]
    HashMismatch {
        /// What was downloaded.
        what: String,
        /// Announced hash.
        expected: String,
        /// Computed hash.
        actual: String,
    },
    /// A received package could not be unpacked safely.
    #[error(transparent)]
    Unpack(#[from] ksef_batch::unpack::UnpackError),
    /// An asynchronous operation (a permission grant or revocation, a token's activation, a
    /// certificate enrollment) ended with a failure status.
    #[error("{operation} {reference_number} failed with status {code}: {description}{}", details_suffix(.details))]
    OperationFailed {
        /// What kind of operation.
        operation: &'static str,
        /// Its reference number.
        reference_number: String,
        /// The status code.
        code: i32,
        /// Description.
        description: String,
        /// Details.
        details: Vec<String>,
    },
    /// A wait for an asynchronous operation (an authentication, an invoice's or a session's
    /// processing, an export, a permission operation, a token, a certificate enrollment) ran
    /// out of time. The operation may still finish later — follow it by its reference number.
    #[error("{what} {reference_number} still in progress after {waited:?}")]
    Timeout {
        /// What was waited for.
        what: WaitingFor,
        /// The reference number of the operation.
        reference_number: String,
        /// How long was waited.
        waited: Duration,
    },
    /// A directory is in use by another process (e.g. two syncs into the same directory).
    #[error("{} is locked by another process: {what} is already running there", .path.display())]
    Locked {
        /// The lock file.
        path: std::path::PathBuf,
        /// What holds it.
        what: &'static str,
    },
    /// A call that changes state in KSeF failed in a way that does not tell whether KSeF
    /// received and committed it (see [`ksef_http::Error::may_have_reached_server`]), and the
    /// SDK could not reconcile it. Nothing is known to be lost or duplicated: follow it up with
    /// the fields here (the session's invoices by hash, the session status) before sending
    /// again.
    #[error("the outcome of {operation} is unknown{}{}: {source}", .session_reference.as_ref().map(|s| format!(" (session {s}")).map(|s| s + ")").unwrap_or_default(), .invoice_hash.as_ref().map(|h| format!(" for the invoice with SHA-256 {h}")).unwrap_or_default())]
    OutcomeUnknown {
        /// The operation (catalogue name).
        operation: &'static str,
        /// The session the call was made in.
        session_reference: Option<String>,
        /// SHA-256 (base64) of the invoice that was being sent, to find it in the session.
        invoice_hash: Option<String>,
        /// The last failure.
        #[source]
        source: Box<Error>,
    },
    /// A paginated read was stopped because the server's pages would never end.
    #[error("{operation}: pagination stopped: {problem}")]
    Pagination {
        /// The operation.
        operation: &'static str,
        /// What the server did.
        problem: &'static str,
    },
    /// KSeF's answer lacks what its own status promises: status 200 of an invoice without its
    /// KSeF number, of an export without its package, a truncated export package without
    /// `lastPermanentStorageDate`, a 440 duplicate without the invoice hash to compare. The
    /// operation itself may have succeeded in KSeF: follow it up by its reference number.
    #[error("{operation} {reference_number}: status {status} without {missing}")]
    IncompleteAnswer {
        /// What was asked (`invoice status`, `export status`, …).
        operation: &'static str,
        /// The reference number of the operation.
        reference_number: String,
        /// The status code KSeF reported.
        status: i32,
        /// The field (JSON name) that is missing.
        missing: &'static str,
    },
    /// An identifier (NIP, PESEL, KSeF number, …) is not valid, e.g. the original KSeF number a
    /// 440 duplicate names.
    #[error("{value:?}: {source}")]
    Identifier {
        /// The text as given.
        value: String,
        /// What is wrong with it.
        #[source]
        source: ksef_crypto::identifiers::IdentifierError,
    },
    /// The status service (Latarnia) answered with something other than its documented JSON.
    #[error("status service /{resource}: {problem}")]
    StatusService {
        /// `status` or `messages`.
        resource: &'static str,
        /// What is wrong with the answer.
        problem: String,
    },
    /// A worker thread of the SDK stopped before finishing (it panicked or the runtime shut
    /// down): preparing a batch package, decrypting an export part, unpacking an export.
    #[error("{task} stopped: {source}")]
    WorkerStopped {
        /// What the worker was doing.
        task: &'static str,
        /// Why it stopped.
        #[source]
        source: tokio::task::JoinError,
    },
    /// Writing the SDK's own state or a synchronised invoice's metadata as JSON failed (a bug or
    /// a value JSON cannot hold; nothing was written).
    #[error("cannot write {} as JSON: {source}", .path.display())]
    Serialize {
        /// The file that was to be written.
        path: std::path::PathBuf,
        /// The serialiser's error.
        #[source]
        source: serde_json::Error,
    },
    /// The server answered with something the SDK cannot use and that has no name of its own
    /// (kept for such answers; every condition the SDK knows has its own variant above).
    #[error("unexpected answer from the server: {0}")]
    Unexpected(String),
}

fn details_suffix(details: &[String]) -> String {
    if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join("; "))
    }
}

impl From<ksef_crypto::public_key::PublicKeyError> for Error {
    fn from(e: ksef_crypto::public_key::PublicKeyError) -> Self {
        Error::Crypto(e.into())
    }
}

impl From<ksef_crypto::xades::XadesError> for Error {
    fn from(e: ksef_crypto::xades::XadesError) -> Self {
        Error::Crypto(e.into())
    }
}

impl Error {
    /// An [`Error::Io`] for `path`.
    pub(crate) fn io(path: impl Into<std::path::PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    /// Whether trying again later makes sense.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Http(e) => e.is_retryable(),
            Error::AuthFailed { kind, .. } => matches!(kind, AuthFailure::CancelledBySystem),
            Error::ExportFailed { kind, .. } => matches!(kind, ExportFailure::CancelledBySystem),
            Error::Timeout {
                what: WaitingFor::Authentication,
                ..
            } => true,
            _ => false,
        }
    }

    /// The API error, when the server answered with one.
    pub fn api(&self) -> Option<&ksef_http::ApiError> {
        match self {
            Error::Http(e) => e.api(),
            _ => None,
        }
    }

    /// Whether the server's error list contains `code`, e.g.
    /// `err.has_code(ExceptionCode::SessionStatusForbidsOperation)`.
    pub fn has_code(&self, code: ksef_model::ExceptionCode) -> bool {
        self.api().is_some_and(|e| e.has_code(code))
    }

    /// Whether a state-changing call that failed with this error may nevertheless have been
    /// committed by KSeF (the rule lives in [`ksef_http::Error::may_have_reached_server`]).
    pub fn may_have_reached_server(&self) -> bool {
        match self {
            Error::Http(e) => e.may_have_reached_server(),
            Error::OutcomeUnknown { .. } => true,
            _ => false,
        }
    }
}

/// The facade's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
