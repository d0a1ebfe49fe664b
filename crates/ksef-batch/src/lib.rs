//! Batch packages for KSeF 2.0.
//!
//! This crate will build ZIP (or tar.gz) packages of invoices in a streaming fashion, split them
//! into parts of at most 100 MB, encrypt every part with the session key (through `ksef-crypto`)
//! and upload the parts to the pre-signed URLs returned when a batch session is opened.
//!
//! It is filled in by the "sending invoices" work item; until then it exposes nothing.
#![forbid(unsafe_code)]
