//! The transport layer of the KSeF 2.0 SDK.
//!
//! - [`Transport`]: an object-safe async trait taking a plain [`HttpRequest`] and returning an
//!   [`HttpResponse`] with a streaming body. [`ReqwestTransport`] (feature `reqwest`, on by
//!   default) is the implementation on reqwest with rustls; [`testing`] has a scripted replay
//!   transport and a capture transport.
//! - [`HttpClient`]: executes any catalogue operation ([`ksef_model::catalogue::Operation`]) with
//!   the policies applied — retries with exponential backoff and full jitter, `Retry-After`
//!   honoured up to a cap (beyond it a typed [`Error::RateLimited`]), proactive throttling from
//!   the operations' `x-rate-limits`, problem-details errors, `X-System-Warning` surfaced — and
//!   never repeats a non-idempotent call once it may have reached the server.
//! - [`Error`]: every failure, keeping the server's exception codes, problem details and trace id.
#![forbid(unsafe_code)]

mod client;
mod error;
#[cfg(feature = "reqwest")]
mod reqwest_impl;
pub mod retry;
pub mod testing;
pub mod throttle;
mod token;
mod transport;
mod warning;

pub use client::{ApiResponse, HttpClient, HttpClientBuilder, UrlRequest, redact_presigned_url};
pub use error::{ApiError, Error, ExceptionDetail, Problem, parse_error_body};
#[cfg(feature = "reqwest")]
pub use reqwest_impl::{ReqwestConfig, ReqwestTransport};
pub use retry::RetryPolicy;
pub use throttle::{Throttle, ThrottleConfig};
pub use token::BearerToken;
pub use transport::{
    Body, ByteStream, HttpRequest, HttpResponse, RequestKind, ResponseBody, Transport,
    TransportError, TransportErrorKind,
};
pub use warning::{SystemWarning, parse_system_warnings};
