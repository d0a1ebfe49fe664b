//! The `ksef` command-line tool: the library behind the `ksef` binary.
//!
//! - `ksef demo` runs the whole story end to end on the embedded emulator (no credentials, no
//!   network) — or against another server with `--base-url`.
//! - `ksef emulator` runs the local KSeF server.
//! - real-use commands: `auth`, `send`, `batch`, `status`, `upo`, `download`, `query`, `export`,
//!   `sync`, `qr`, `tokens`, `permissions`, `certs`, `limits`, `testdata`, `lighthouse`.
//! - `ksef completions SHELL` prints shell completions.
//!
//! Configuration comes from flags, environment variables and named profiles
//! ([`config`]); every command logs in afresh ([`connect`]) and reports in text or JSON
//! ([`output`]) with meaningful exit codes ([`error`]).
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod config;
pub mod connect;
pub mod demo;
pub mod error;
pub mod files;
pub mod output;
