//! The `ksef` command-line tool.
//!
//! This crate will provide the `ksef` binary: a demo of the whole flow on the embedded emulator,
//! and commands for authentication, sending invoices, batches, UPOs, downloads, exports,
//! incremental sync, QR codes, tokens, permissions, certificates and limits.
//!
//! It is filled in by the CLI work item; until then it exposes nothing.
#![forbid(unsafe_code)]
