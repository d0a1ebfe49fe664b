//! The `ksef` command-line tool: the library behind the `ksef` binary.
//!
//! - `ksef demo` runs the whole story end to end on the embedded emulator (no credentials, no
//!   network) — or against another server with `--base-url`.
//! - `ksef emulator` runs the local KSeF server.
//! - `ksef completions SHELL` prints shell completions.
#![forbid(unsafe_code)]

pub mod demo;
pub mod output;
