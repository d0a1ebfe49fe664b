//! `ksef-emulator`: runs the KSeF emulator as a server.
#![forbid(unsafe_code)]

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(ksef_emulator::cli::run(&args).await)
}
