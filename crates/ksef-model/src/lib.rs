//! Request and response types of the KSeF 2.0 API and its operation catalogue.
//!
//! Everything under [`types`] and [`operations`] is **generated** from the official OpenAPI
//! specification by `cargo xtask regen`; the generated files carry a `DO NOT EDIT` header and a
//! CI check keeps them identical to what the generator produces. The hand-written parts are the
//! catalogue types in [`catalogue`] and the support code in [`rt`].
//!
//! # Decoding policy
//!
//! The model is **strict when we build requests and lenient where the server is known to
//! deviate** from its own spec:
//!
//! - unknown JSON fields are ignored, and unknown enum values are kept (each enum has an
//!   `Unknown(String)` variant), so a growing API never breaks decoding;
//! - constrained strings (spec `pattern`/length) are validated by their constructors, while
//!   values decoded from the server are kept as sent and can be checked with `validate()`;
//!   the identifier schemas `Nip`, `Pesel`, `InternalId` and `KsefNumber` are the `ksef-ids`
//!   types, whose constructors check check digits (and embedded dates) too;
//! - binary values (`format: byte`) keep their base64 text ([`rt::Base64Data`]) and are decoded
//!   on demand;
//! - timestamps without an offset are read as Europe/Warsaw local time, as the documentation says;
//! - fields the spec marks required but the server has been seen to omit are listed with a reason
//!   in the generator's override file and generated as `Option`.
//!
//! See `docs/decoding-policy.md` in the repository for the full rationale.
//!
//! # Building values
//!
//! Every generated struct is `#[non_exhaustive]`, so that a property or parameter the spec adds
//! later is not a breaking change: build a value with `new(required…)` and the `with_<field>`
//! setters of its optional fields (or assign the fields of a `let mut` value), and match it with
//! `..`.
//!
//! ```
//! use ksef_model::catalogue::Operation;
//! use ksef_model::operations::PostInvoicesQueryMetadata;
//! use ksef_model::{
//!     InvoiceQueryDateRange, InvoiceQueryDateType, InvoiceQueryFilters, InvoiceQuerySubjectType,
//! };
//!
//! let from = time::macros::datetime!(2026-01-01 00:00 UTC);
//! let filters = InvoiceQueryFilters::new(
//!     InvoiceQuerySubjectType::Subject1,
//!     InvoiceQueryDateRange::new(InvoiceQueryDateType::Issue, from),
//! )
//! .with_invoice_number("FV/1/2026".to_owned());
//! let request = PostInvoicesQueryMetadata::new(filters).with_page_size(100);
//! assert_eq!(request.query(), vec![("pageSize", "100".to_owned())]);
//! ```
//!
//! # Example
//!
//! ```
//! use ksef_model::catalogue::Operation;
//! use ksef_model::operations::PostAuthChallenge;
//!
//! let request = PostAuthChallenge::new();
//! assert_eq!(request.path(), "/auth/challenge");
//! let response = PostAuthChallenge::decode_response(
//!     br#"{"challenge":"20250514-CR-226FB7B000-3ACF9BE4C0-10","timestamp":"2025-07-11T12:23:56.0154302+00:00","timestampMs":1752236636015,"clientIp":"127.0.0.1"}"#,
//! )?;
//! assert_eq!(response.timestamp_ms, 1752236636015);
//! # Ok::<(), ksef_model::catalogue::DecodeError>(())
//! ```
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod rt;

mod generated;

pub use generated::codes;
pub use generated::codes::{ExceptionCode, status};
pub use generated::operations;
pub use generated::registry;
pub use generated::types;
pub use generated::types::*;
pub use generated::{SPEC_SHA256, SPEC_TITLE, SPEC_VERSION};
