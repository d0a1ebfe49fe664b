//! The KSeF 2.0 (Krajowy System e-Faktur) SDK facade.
//!
//! Users will call this crate: a `Client` for the TEST, DEMO and production environments (or any
//! base URL, such as the local emulator), authentication with XAdES signatures or KSeF tokens,
//! and every API operation grouped by area. The request and response types live in
//! [`ksef_model`], re-exported here as [`model`].
#![forbid(unsafe_code)]

pub use ksef_model as model;
