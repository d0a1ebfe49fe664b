//! FA(3) e-invoices for KSeF as typed Rust values.
//!
//! - [`Invoice`]: the whole FA(3) schema as Rust types, generated from the official XSD by
//!   `cargo xtask regen` ([`fa3`]); [`Invoice::from_xml`] reads a document and
//!   [`Invoice::to_xml`] writes it back with the official namespace and element order.
//! - [`Invoice::validate`] / [`validate_xml`]: every XSD constraint (structure, occurrences,
//!   patterns, enumerations, lengths, digits, bounds, fixed values) plus business checks, each
//!   error naming the element path and the rule.
//!
//! No network and no async runtime: this crate is usable on its own.
#![forbid(unsafe_code)]

pub mod builder;
mod business;
mod datetime;
mod decimal;
mod error;
mod generated;
mod invoice;
mod parties;
mod rt;
pub mod template;
pub mod totals;

pub use datetime::DateTime;
pub use decimal::{Decimal, DecimalError};
pub use error::{ParseError, ParseErrorKind, Rule, ValidationError, ValidationErrors};
pub use generated::fa3;
pub use invoice::{Invoice, validate_xml};
