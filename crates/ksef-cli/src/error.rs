//! The CLI's error: a message for people and an exit code for scripts.

use std::fmt;

/// What went wrong, as far as a calling script cares: each kind has its own exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Anything unexpected: a file-system failure (a full disk, a missing permission), an
    /// undecodable answer, an internal problem (exit code 1).
    Failure,
    /// Bad flags or arguments (exit code 2, as clap's own usage errors).
    Usage,
    /// Configuration: missing or unreadable credentials, profile, input files (exit code 3).
    Config,
    /// KSeF refused the authentication or the permissions are missing (exit code 4).
    Auth,
    /// KSeF refused the request or rejected an invoice (exit code 5).
    Rejected,
    /// KSeF could not be reached or kept failing (exit code 6).
    Unreachable,
    /// Rate limited for longer than the retry budget (exit code 7).
    RateLimited,
    /// A signed document (UPO) whose signature does not verify: changed after signing
    /// (exit code 8).
    BadSignature,
    /// A wait ran out of time while KSeF was still processing (exit code 9): the operation may
    /// still finish; follow it up by its reference number instead of repeating it.
    TimedOut,
}

impl ErrorKind {
    /// The process exit code of this kind (2 is clap's usage error).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Failure => 1,
            ErrorKind::Usage => 2,
            ErrorKind::Config => 3,
            ErrorKind::Auth => 4,
            ErrorKind::Rejected => 5,
            ErrorKind::Unreachable => 6,
            ErrorKind::RateLimited => 7,
            ErrorKind::BadSignature => 8,
            ErrorKind::TimedOut => 9,
        }
    }
}

/// The exit codes, for `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  unexpected failure (file system, e.g. a full disk; undecodable answer)
  2  usage error (bad flags or arguments)
  3  configuration error (missing credentials, profile or input files)
  4  authentication refused or permissions missing
  5  KSeF refused the request or rejected an invoice
  6  KSeF unreachable or failing (connection, timeout, server errors)
  7  rate limited beyond the retry budget
  8  a UPO's signature does not verify (changed after signing)
  9  still in progress in KSeF when the wait ended (follow it up, do not repeat it)";

/// A failed command.
#[derive(Debug)]
pub struct CliError {
    /// The category (exit code).
    pub kind: ErrorKind,
    /// What to tell the user.
    pub message: String,
}

impl CliError {
    /// An error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A configuration error (exit code 3).
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// An unexpected failure (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failure, message)
    }

    /// KSeF rejected something (exit code 5).
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Rejected, message)
    }

    /// Adds what was being done in front of the message.
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

fn http_kind(error: &ksef::http::Error) -> ErrorKind {
    use ksef::http::Error as H;
    match error {
        H::RateLimited { .. } => ErrorKind::RateLimited,
        H::Api(api) if api.status == 429 => ErrorKind::RateLimited,
        H::Transport { .. } => ErrorKind::Unreachable,
        H::Api(api) if api.status == 401 || api.status == 403 => ErrorKind::Auth,
        H::Api(api) if api.status >= 500 => ErrorKind::Unreachable,
        H::Api(_) => ErrorKind::Rejected,
        _ => ErrorKind::Failure,
    }
}

fn batch_kind(error: &ksef::batch::BatchError) -> ErrorKind {
    use ksef::batch::BatchError as B;
    match error {
        B::Upload { .. } => ErrorKind::Unreachable,
        B::Io(_) | B::Archive(_) | B::MissingUploadRequest(_) => ErrorKind::Failure,
        _ => ErrorKind::Config,
    }
}

impl From<ksef::Error> for CliError {
    fn from(error: ksef::Error) -> Self {
        use ksef::Error as E;
        let kind = match &error {
            E::Http(h) => http_kind(h),
            E::AuthFailed { .. } | E::NotAuthenticated { .. } => ErrorKind::Auth,
            E::Rejected(_)
            | E::SessionFailed { .. }
            | E::ExportFailed { .. }
            | E::OperationFailed { .. } => ErrorKind::Rejected,
            E::Timeout { .. } => ErrorKind::TimedOut,
            E::OutcomeUnknown { .. } => ErrorKind::Unreachable,
            E::StatusService { .. } => ErrorKind::Unreachable,
            E::InvalidInput(_) | E::Identifier { .. } => ErrorKind::Config,
            E::Batch(b) => batch_kind(b),
            // KSeF's answer contradicts itself, a worker of ours stopped, our own state does not
            // serialise, the file system failed: nothing a retry or a fix of the input helps.
            E::Io { .. }
            | E::IncompleteAnswer { .. }
            | E::WorkerStopped { .. }
            | E::Serialize { .. }
            | E::ExportPart { .. }
            | E::ExportPackage(_)
            | E::Unexpected(_) => ErrorKind::Failure,
            _ => ErrorKind::Failure,
        };
        Self::new(kind, error.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        Self::failure(error.to_string())
    }
}

/// `"<code> <description> (<details>; …)"` — a KSeF status for a message.
pub fn status_text(code: i32, description: &str, details: Option<&[String]>) -> String {
    match details {
        Some(d) if !d.is_empty() => format!("{code} {description} ({})", d.join("; ")),
        _ => format!("{code} {description}"),
    }
}

/// The result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14: exit codes follow the typed errors — a full disk is an I/O failure (1), not a
    /// configuration error (3); a wait that ran out of time has its own code (8).
    #[test]
    fn exit_codes_follow_the_typed_errors() {
        let full = ksef::Error::Io {
            path: "out/state.json".into(),
            source: std::io::Error::new(std::io::ErrorKind::StorageFull, "no space left"),
        };
        let e = CliError::from(full);
        assert_eq!(e.kind, ErrorKind::Failure);
        assert_eq!(e.kind.exit_code(), 1);
        assert!(e.message.contains("out/state.json"), "{}", e.message);

        let timeout = ksef::Error::Timeout {
            what: ksef::WaitingFor::Invoice,
            reference_number: "20251010-EE-1".into(),
            waited: std::time::Duration::from_secs(60),
        };
        let e = CliError::from(timeout);
        assert_eq!(e.kind.exit_code(), 9);
        assert!(e.message.contains("20251010-EE-1"), "{}", e.message);

        assert_eq!(
            CliError::from(ksef::Error::InvalidInput("bad".into())).kind,
            ErrorKind::Config
        );

        let incomplete = ksef::Error::IncompleteAnswer {
            operation: "invoice status",
            reference_number: "20251010-EE-2".into(),
            status: 200,
            missing: "ksefNumber",
        };
        let e = CliError::from(incomplete);
        assert_eq!(e.kind, ErrorKind::Failure);
        assert!(e.message.contains("20251010-EE-2"), "{}", e.message);
        let status = ksef::Error::StatusService {
            resource: "messages",
            problem: "not JSON".into(),
        };
        assert_eq!(CliError::from(status).kind, ErrorKind::Unreachable);
        let bad_number = ksef::Error::Identifier {
            value: "x".into(),
            source: ksef::crypto::identifiers::KsefNumber::parse("x").unwrap_err(),
        };
        assert_eq!(CliError::from(bad_number).kind, ErrorKind::Config);
    }
}
