//! `ksef`: the KSeF 2.0 command-line tool.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    ksef_cli::cli::run(ksef_cli::cli::Cli::parse()).await
}
